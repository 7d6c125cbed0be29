import { sValidator } from "@hono/standard-validator";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { errorBody } from "./errors";

type Target = "json" | "query" | "param" | "header";

/**
 * valibot (any Standard Schema) as Hono middleware; a failure answers
 * 400 `{ error: { code: "invalid_request", message, issues } }` naming the failing field.
 */
export function validate<T extends Target, S extends StandardSchemaV1>(target: T, schema: S) {
  return sValidator(target, schema, (result, c) => {
    if (!result.success) {
      const issues = result.error.map((issue) => ({
        path: (issue.path ?? []).map((p) => (typeof p === "object" ? String(p.key) : String(p))).join("."),
        message: issue.message,
      }));
      const first = issues[0];
      const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "The request is not valid.";
      return c.json(errorBody("invalid_request", message, { issues }), 400);
    }
  });
}
