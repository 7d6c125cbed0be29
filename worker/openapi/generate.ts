/**
 * Builds the OpenAPI 3.1 document from the route registry and the valibot contracts, converted by
 * @valibot/to-json-schema (JSON Schema 2020-12 is OpenAPI 3.1's schema dialect). Nothing here
 * restates a schema: a change in worker/contracts/api.ts shows up in /api/openapi.json.
 */
import { toJsonSchema, toJsonSchemaDefs, type ConversionConfig, type JsonSchema } from "@valibot/to-json-schema";
import * as accessContracts from "../contracts/access";
import * as contracts from "../contracts/api";
import * as collaborationContracts from "../contracts/collaboration";
import * as reportContracts from "../contracts/reports";
import * as whatsappContracts from "../contracts/whatsapp";
import * as templateContracts from "../contracts/templates";
import { SESSION_COOKIE } from "../auth/sessions";
import { WebhookEnvelope } from "../whatsapp/webhook-schema";
import { routes as registeredRoutes, tagDescriptions, type AuthKind, type ObjectSchema, type RouteDoc, type Schema } from "./registry";
import packageJson from "../../package.json";

/**
 * Conversion rules, in one place:
 * - `typeMode: "input"` — a request schema is documented as what a client sends, so conversion
 *   stops before any transform. The response contracts contain no transforms, so their input and
 *   output shapes are the same (test/worker/openapi.test.ts pins that).
 * - `ignoreActions` — trim and toLowerCase normalise a string without changing what is accepted;
 *   JSON Schema has no words for them. Anything else that cannot be converted still throws, so a
 *   new contract the converter cannot express fails the tests instead of vanishing from the docs.
 * - references to named schemas point at `#/components/schemas/<export name>`.
 */
export const conversionConfig = {
  target: "draft-2020-12",
  typeMode: "input",
  errorMode: "throw",
  ignoreActions: ["trim", "to_lower_case"],
  overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
} as const satisfies ConversionConfig;

/** Schemas that become components, by export name: every schema of the REST contracts, and Meta's envelope. */
export function namedSchemas(): Record<string, Schema> {
  const named: Record<string, Schema> = {};
  const add = (name: string, value: unknown) => {
    if (!isSchema(value)) return;
    if (named[name] && named[name] !== value) throw new Error(`Two contract schemas are both named ${name}; rename one.`);
    named[name] = value;
  };
  for (const [name, value] of Object.entries(contracts)) add(name, value);
  for (const [name, value] of Object.entries(accessContracts)) add(name, value);
  for (const [name, value] of Object.entries(collaborationContracts)) add(name, value);
  for (const [name, value] of Object.entries(reportContracts)) add(name, value);
  for (const [name, value] of Object.entries(whatsappContracts)) add(name, value);
  for (const [name, value] of Object.entries(templateContracts)) add(name, value);
  add("WebhookEnvelope", WebhookEnvelope);
  return named;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "schema";
}

const securitySchemes = {
  bearerToken: {
    type: "http",
    scheme: "bearer",
    description: "An API token created by an Owner (POST /api/tokens), with the role it was given.",
  },
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "Set by POST /api/session (or POST /api/setup). HttpOnly; browsers send it by themselves.",
  },
  webhookSignature: {
    type: "apiKey",
    in: "header",
    name: "X-Hub-Signature-256",
    description: "Meta signs every webhook: sha256=<hex HMAC-SHA256 of the raw body with the app secret>.",
  },
} as const;

const securityFor: Record<AuthKind, Array<Record<string, string[]>>> = {
  // Either one: a request that sends a bearer token is judged by the token alone.
  user: [{ sessionCookie: [] }, { bearerToken: [] }],
  session: [{ sessionCookie: [] }],
  webhook_signature: [{ webhookSignature: [] }],
  // The verify token travels in the query (see the operation's parameters).
  verify_token: [],
  none: [],
};

/** Every error a route can answer: the ones all routes of its kind have, then its own. */
export function errorsOf(route: RouteDoc): Record<number, string> {
  const errors: Record<number, string[]> = {};
  const add = (status: number, description: string) => (errors[status] ??= []).push(description);
  const request = route.request;
  // worker/validation.ts answers for every /api route; Meta's webhooks have their own codes.
  if (route.path.startsWith("/api/") && request && (request.body || request.query || request.params || request.headers)) {
    add(400, "invalid_request: the message names the failing field.");
  }
  if (route.auth === "user" || route.auth === "session") add(401, "unauthorized: sign in (or send a valid API token) first.");
  if (route.auth === "webhook_signature") add(401, "signature_missing or signature_invalid: X-Hub-Signature-256 is absent or does not match the raw body.");
  if (route.roles) add(403, `forbidden: only ${route.roles.join(" and ")} may do this.`);
  if (route.auth === "session") add(403, "forbidden: needs a signed-in person, not an API token.");
  // worker/auth/csrf.ts: cookie-authenticated writes from another site are refused.
  if (route.method !== "GET" && route.path.startsWith("/api/")) add(403, "csrf_refused: the request came from another site.");
  for (const [status, description] of Object.entries(route.errors ?? {})) add(Number(status), description);
  return Object.fromEntries(Object.entries(errors).map(([status, list]) => [status, list.join(" Or ")]));
}

type JsonObject = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: string;
  info: JsonObject;
  servers: JsonObject[];
  tags: JsonObject[];
  paths: Record<string, Record<string, JsonObject>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: typeof securitySchemes };
}

export function buildOpenApiDocument(routes: readonly RouteDoc[] = registeredRoutes): OpenApiDocument {
  const named = namedSchemas();
  const nameOf = new Map<Schema, string>(Object.entries(named).map(([name, schema]) => [schema, name]));

  // Converted in place; named schemas inside it still become references.
  const inlineSchema = (schema: Schema): JsonSchema => {
    const definitions = Object.fromEntries(Object.entries(named).filter(([, s]) => s !== schema));
    const { $schema: _dialect, $defs: _defs, ...inline } = toJsonSchema(schema, { ...conversionConfig, definitions });
    return inline;
  };

  const schemaFor = (schema: Schema): JsonSchema => {
    const name = nameOf.get(schema);
    return name ? { $ref: `#/components/schemas/${name}` } : inlineSchema(schema);
  };

  // One parameter per property of the object schema (a named one such as ConversationListQuery too).
  const parameters = (location: "query" | "header" | "path", schema: ObjectSchema | undefined) => {
    if (!schema) return [];
    const object = inlineSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(object.properties ?? {}).map(([name, property]) => {
      const { description, ...propertySchema } = property as JsonSchema & { description?: string };
      return {
        name,
        in: location,
        required: location === "path" || (object.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: propertySchema,
      };
    });
  };

  const errorResponse = (description: string) => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
  });

  const paths: OpenApiDocument["paths"] = {};
  for (const route of routes) {
    const declared = parameters("path", route.request?.params);
    const pathParameters = pathParameterNames(route.path).map(
      (name) => declared.find((p) => p.name === name) ?? { name, in: "path", required: true, schema: { type: "string" } },
    );
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { "application/json": { schema: schemaFor(response.schema) } } }
          : response.content
            ? { content: { [response.content.mediaType]: { schema: { type: "string", ...(response.content.description ? { description: response.content.description } : {}) } } } }
            : {}),
      };
    }
    for (const [status, description] of Object.entries(errorsOf(route))) {
      responses[status] = errorResponse(description);
    }

    const operation: JsonObject = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: securityFor[route.auth],
      ...(route.roles ? { "x-chorus-roles": route.roles } : {}),
      parameters: [
        ...pathParameters,
        ...parameters("query", route.request?.query),
        ...parameters("header", route.request?.headers),
      ],
      ...(route.request?.body
        ? { requestBody: { required: true, content: { "application/json": { schema: schemaFor(route.request.body) } } } }
        : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }

  const usedTags = [...new Set(routes.map((route) => route.tag))];
  return {
    openapi: "3.1.1",
    info: {
      title: "Chorus API",
      version: packageJson.version,
      description:
        "The REST API of Chorus, a team inbox for one WhatsApp Business number. JSON in, JSON out; times are epoch milliseconds; errors are `{\"error\":{\"code\",\"message\"}}`; lists page with an opaque cursor.",
    },
    servers: [{ url: "/" }],
    tags: usedTags.map((name) => ({ name, description: tagDescriptions[name] })),
    paths,
    components: { schemas: toJsonSchemaDefs(named, conversionConfig), securitySchemes },
  };
}

/** `{id}` names in an OpenAPI path, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}

let cached: string | undefined;

/** The document as JSON text, built once per isolate (the registry and schemas are static). */
export function openApiJson(): string {
  return (cached ??= JSON.stringify(buildOpenApiDocument()));
}
