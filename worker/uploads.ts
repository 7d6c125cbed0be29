/**
 * Reading a multipart file upload: the two routes that take files (a file to send, a template
 * header's example) are exempt from the API's 1 MB body limit (worker/api-body-limit.ts), so each
 * refuses a body over its own limit by Content-Length before reading it, then needs a `file` part.
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";

/** Room for the multipart framing and the other form fields around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

export async function readFileUpload(
  c: Context<AppEnv>,
  limit: { maxFileBytes: number; tooLarge: string; details?: Record<string, unknown> },
): Promise<{ form: FormData; file: File }> {
  if (Number(c.req.header("Content-Length") ?? "0") > limit.maxFileBytes + FORM_OVERHEAD_BYTES) {
    throw new ApiError(413, "media_too_large", limit.tooLarge, limit.details);
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new ApiError(400, "invalid_request", "file: send the file as multipart/form-data with a `file` part.");
  }
  const file = form.get("file");
  if (!file || typeof file === "string") throw new ApiError(400, "invalid_request", "file: attach the file as the `file` part.");
  return { form, file };
}
