/**
 * The Graph API fake: POST /simulator/graph[/vNN.N]/{phone-number-id}/messages answers exactly as
 * Meta's Cloud API does (success and error shapes), so the Worker's real outbound code is what
 * gets exercised when GRAPH_API_URL points here. Errors are Meta-shaped on purpose — not the
 * Chorus `{ error: { code, message } }` shape — because the caller is the Worker playing Meta's client.
 */
import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { SIM_PHONE_NUMBER_ID, SIM_WABA_ID, SIMULATOR_DO_NAME } from "./constants";
import { graphErrors, mediaLookupAnswer, newFbtraceId, sendAccepted, type GraphError, type Pricing } from "./meta-shapes";
import { rememberOrigin } from "./origin";
import { componentsOf, listedTemplate, type TemplateComponents } from "./sim-templates";

const NonEmpty = v.pipe(v.string(), v.minLength(1));

/** A media object sent by id (uploaded to this fake first) or by link. */
const MediaObject = v.looseObject({
  id: v.optional(NonEmpty),
  link: v.optional(NonEmpty),
  caption: v.optional(v.pipe(v.string(), v.maxLength(1024))),
  filename: v.optional(v.string()),
});

const MEDIA_TYPES = new Set(["image", "video", "audio", "document", "sticker"]);

/** Where the fake keeps files (uploads from the business, samples the customers send). */
export function simulatorMediaKey(id: string): string {
  return `simulator/media/${id}`;
}

const TemplateParameter = v.looseObject({ type: v.string(), text: v.optional(v.string()) });
const TemplateComponent = v.looseObject({
  type: v.picklist(["header", "body", "button", "footer"]),
  parameters: v.optional(v.array(TemplateParameter)),
});

/** Meta's send-message payload, as far as the simulator understands it (text and template). */
const SendMessagePayload = v.looseObject({
  messaging_product: v.literal("whatsapp"),
  recipient_type: v.optional(v.literal("individual")),
  to: v.optional(NonEmpty),
  /** Business-scoped user id (Meta 2026), for a customer known without a phone number. */
  recipient: v.optional(NonEmpty),
  type: v.optional(v.string()),
  text: v.optional(
    v.looseObject({
      body: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)),
      preview_url: v.optional(v.boolean()),
    }),
  ),
  template: v.optional(
    v.looseObject({
      name: NonEmpty,
      language: v.looseObject({ code: NonEmpty, policy: v.optional(v.literal("deterministic")) }),
      components: v.optional(v.array(TemplateComponent)),
    }),
  ),
  biz_opaque_callback_data: v.optional(v.pipe(v.string(), v.maxLength(512))),
  context: v.optional(v.looseObject({ message_id: NonEmpty })),
  // Issue 5: the other kinds a business sends, as loose as Meta's own checks need here.
  image: v.optional(MediaObject),
  video: v.optional(MediaObject),
  audio: v.optional(MediaObject),
  document: v.optional(MediaObject),
  sticker: v.optional(MediaObject),
  location: v.optional(v.looseObject({ latitude: v.number(), longitude: v.number(), name: v.optional(v.string()), address: v.optional(v.string()) })),
  reaction: v.optional(v.looseObject({ message_id: NonEmpty, emoji: v.string() })),
  interactive: v.optional(
    v.looseObject({
      type: v.picklist(["button", "list", "cta_url"]),
      body: v.looseObject({ text: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)) }),
      action: v.looseObject({}),
    }),
  ),
});

/** "Mark as read": the same endpoint with `status: "read"` and the customer's message id. */
const MarkReadPayload = v.looseObject({
  messaging_product: v.literal("whatsapp"),
  status: v.literal("read"),
  message_id: NonEmpty,
});

function metaError(c: Context, err: GraphError) {
  return c.json(err.body, err.status);
}

function issuePath(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).map((p) => String(p.key)).join(".");
}

/** Meta's wording for a bad parameter: which one, and why. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = issuePath(issue);
  if (issue.received === "undefined") return `Parameter '${path}' is required.`;
  return path ? `Parameter '${path}' is invalid: ${issue.message}` : issue.message;
}

function placeholders(body: string): number {
  const seen = new Set<string>();
  for (const match of body.matchAll(/\{\{\s*(\d+)\s*\}\}/g)) seen.add(match[1]!);
  return seen.size;
}

async function sendMessage(c: Context<AppEnv>) {
  // Meta checks the token first, then the object id, then the payload.
  const auth = c.req.header("Authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
  if (!token) return metaError(c, graphErrors.missingToken());
  if (c.env.WHATSAPP_ACCESS_TOKEN && token !== c.env.WHATSAPP_ACCESS_TOKEN) return metaError(c, graphErrors.invalidToken());

  const phoneNumberId = c.req.param("phoneNumberId")!;
  if (phoneNumberId !== SIM_PHONE_NUMBER_ID) return metaError(c, graphErrors.unknownPhoneNumberId(phoneNumberId));

  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return metaError(c, graphErrors.invalidParameter("The request body is not valid JSON."));
  }

  const simulator = c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME);
  await rememberOrigin(c, simulator);

  const markRead = v.safeParse(MarkReadPayload, json);
  if (markRead.success) {
    const known = await simulator.businessReads(markRead.output.message_id);
    if (!known) return metaError(c, graphErrors.invalidParameter(`Parameter 'message_id' is invalid: no received message has the id ${markRead.output.message_id}.`));
    return c.json({ success: true });
  }

  const parsed = v.safeParse(SendMessagePayload, json);
  if (!parsed.success) return metaError(c, graphErrors.invalidParameter(describeIssue(parsed.issues[0])));
  const payload = parsed.output;
  if (payload.to === undefined && payload.recipient === undefined) {
    return metaError(c, graphErrors.invalidParameter("Parameter 'to' is required."));
  }

  const type = payload.type ?? "text";
  let kind: string;
  let text: string;
  let details: Record<string, unknown> | null = null;
  let templateName: string | null = null;
  let pricing: Pricing;
  if (type === "text") {
    if (!payload.text) return metaError(c, graphErrors.invalidParameter("Parameter 'text' is required."));
    kind = "text";
    text = payload.text.body;
    // A reply inside the customer service window: free, "service" category.
    pricing = { billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" };
  } else if (type === "template") {
    const template = payload.template;
    if (!template) return metaError(c, graphErrors.invalidParameter("Parameter 'template' is required."));
    // The simulated Meta knows its own templates (seeded, and created through POST
    // message_templates, issue 5); a template only Chorus's D1 holds as approved (e.g. inserted by a
    // test) is accepted too, body only.
    const known = await simulator.template(template.name, template.language.code);
    let row: { body: string; category: string; components: TemplateComponents | null } | null = null;
    if (known?.status === "APPROVED") {
      const components = componentsOf(known);
      const bodyText = components.find((comp) => String(comp.type).toUpperCase() === "BODY")?.text;
      row = { body: typeof bodyText === "string" ? bodyText : "", category: known.category, components };
    } else if (!known) {
      const stored = await c.env.DB.prepare("SELECT body, category FROM templates WHERE name = ? AND language = ? AND status = 'APPROVED'")
        .bind(template.name, template.language.code)
        .first<{ body: string; category: string }>();
      row = stored ? { ...stored, components: null } : null;
    }
    if (!row) return metaError(c, graphErrors.templateNotFound(template.name, template.language.code));
    const params = (template.components ?? []).find((comp) => comp.type === "body")?.parameters ?? [];
    const expected = placeholders(row.body);
    if (params.length !== expected) return metaError(c, graphErrors.templateParamMismatch(expected, params.length));
    kind = "template";
    templateName = template.name;
    text = row.body.replace(/\{\{\s*(\d+)\s*\}\}/g, (_m, n: string) => params[Number(n) - 1]?.text ?? "");
    if (row.components) details = templateDetails(row.components, template.components ?? []);
    pricing = { billable: true, pricing_model: "PMP", type: "regular", category: row.category.toLowerCase() };
  } else if (MEDIA_TYPES.has(type)) {
    const media = payload[type as "image"];
    if (!media || (!media.id && !media.link)) return metaError(c, graphErrors.invalidParameter(`Parameter '${type}' needs an id or a link.`));
    if (media.id && !(await c.env.MEDIA.head(simulatorMediaKey(media.id)))) return metaError(c, graphErrors.unknownMedia(media.id));
    kind = type;
    text = media.caption ?? media.filename ?? "";
    details = { ...media };
    pricing = { billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" };
  } else if (type === "location" || type === "reaction" || type === "interactive") {
    const object = payload[type];
    if (!object) return metaError(c, graphErrors.invalidParameter(`Parameter '${type}' is required.`));
    kind = type;
    details = { ...object };
    text =
      type === "location"
        ? [payload.location!.name, payload.location!.address].filter(Boolean).join(", ") || `${payload.location!.latitude}, ${payload.location!.longitude}`
        : type === "reaction"
          ? payload.reaction!.emoji
          : payload.interactive!.body.text;
    pricing = { billable: false, pricing_model: "PMP", type: "free_customer_service", category: "service" };
  } else {
    return metaError(
      c,
      graphErrors.invalidParameter(
        `Parameter 'type' is invalid: the simulator handles text, template, image, video, audio, document, sticker, location, reaction and interactive messages, not "${type}".`,
      ),
    );
  }
  if (payload.context) details = { ...(details ?? {}), context: payload.context };

  const result = await simulator.acceptBusinessMessage({
    to: payload.to ?? null,
    recipient: payload.recipient ?? null,
    kind,
    text,
    templateName,
    callbackData: payload.biz_opaque_callback_data ?? null,
    pricing,
    payload: details ? JSON.stringify(details) : null,
  });
  if (!result.ok) return metaError(c, graphErrors.undeliverable(result.input));
  return c.json(sendAccepted(result.input, result.customer, result.byUserId, result.wamid, kind === "template"));
}

/**
 * Header, footer and buttons of a sent template with its header and button parameters filled in,
 * for the simulator page to show the message as the customer sees it.
 */
function templateDetails(components: TemplateComponents, sent: Array<v.InferOutput<typeof TemplateComponent>>): Record<string, unknown> {
  const find = (type: string) => components.find((comp) => String(comp.type).toUpperCase() === type);
  const fill = (text: string, values: Array<{ text?: string }>) => text.replace(/\{\{\s*(\d+)\s*\}\}/g, (_m, n: string) => values[Number(n) - 1]?.text ?? "");
  const header = find("HEADER");
  const headerParams = sent.find((comp) => comp.type === "header")?.parameters ?? [];
  const footer = find("FOOTER");
  const buttons = (find("BUTTONS")?.buttons ?? []) as Array<{ type?: string; text?: string; url?: string; phone_number?: string }>;
  return {
    template: {
      header: header
        ? String(header.format ?? "TEXT").toUpperCase() === "TEXT"
          ? { format: "TEXT", text: fill(String(header.text ?? ""), headerParams) }
          : { format: String(header.format).toUpperCase() }
        : null,
      footer: typeof footer?.text === "string" ? footer.text : null,
      buttons: buttons.map((b, index) => {
        const params = sent.find((comp) => comp.type === "button" && Number((comp as { index?: unknown }).index) === index)?.parameters ?? [];
        return { type: b.type ?? "", text: b.text ?? "", ...(b.url ? { url: fill(b.url, params) } : {}), ...(b.phone_number ? { phone: b.phone_number } : {}) };
      }),
    },
  };
}

// ---- message templates (issue 5) ----------------------------------------------------------------

/** Meta's answer when the WABA id is not one the simulator plays. */
function unknownObject(c: Context, id: string) {
  return metaError(c, {
    status: 400,
    body: {
      error: {
        message: `Unsupported request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: "GraphMethodException",
        code: 100,
        error_subcode: 33,
        fbtrace_id: newFbtraceId(),
      },
    },
  });
}

/** GET /{waba-id}/message_templates: every template, `limit` per page, `after` = the next page's cursor. */
async function listTemplates(c: Context<AppEnv>) {
  const problem = tokenProblem(c);
  if (problem) return metaError(c, problem);
  const wabaId = c.req.param("wabaId")!;
  if (wabaId !== SIM_WABA_ID) return unknownObject(c, wabaId);
  const url = new URL(c.req.url);
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit")) || 25, 1), 100);
  const after = url.searchParams.get("after");
  const offset = after ? Number(atob(after).replace(/^offset:/, "")) || 0 : 0;
  const name = url.searchParams.get("name");
  const all = (await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).listTemplates(wabaId)).filter((t) => !name || t.name === name);
  const page = all.slice(offset, offset + limit);
  const cursor = (n: number) => btoa(`offset:${n}`);
  const more = offset + limit < all.length;
  if (more) url.searchParams.set("after", cursor(offset + limit));
  return c.json({
    data: page.map(listedTemplate),
    paging: { cursors: { before: cursor(offset), after: cursor(offset + page.length) }, ...(more ? { next: url.toString() } : {}) },
  });
}

const CreateTemplatePayload = v.looseObject({
  name: v.pipe(v.string(), v.regex(/^[a-z0-9_]{1,512}$/, "must be lowercase letters, digits and underscores")),
  language: NonEmpty,
  category: v.picklist(["MARKETING", "UTILITY", "AUTHENTICATION"]),
  components: v.pipe(v.array(v.looseObject({ type: v.picklist(["HEADER", "BODY", "FOOTER", "BUTTONS"]) })), v.minLength(1)),
});

/** POST /{waba-id}/message_templates: recorded PENDING and reviewed a few seconds later (a signed webhook says the verdict). */
async function createTemplateRoute(c: Context<AppEnv>) {
  const problem = tokenProblem(c);
  if (problem) return metaError(c, problem);
  const wabaId = c.req.param("wabaId")!;
  if (wabaId !== SIM_WABA_ID) return unknownObject(c, wabaId);
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return metaError(c, graphErrors.invalidParameter("The request body is not valid JSON."));
  }
  const parsed = v.safeParse(CreateTemplatePayload, json);
  if (!parsed.success) return metaError(c, graphErrors.invalidParameter(describeIssue(parsed.issues[0])));
  if (!parsed.output.components.some((comp) => comp.type === "BODY")) return metaError(c, graphErrors.invalidParameter("Parameter 'components' needs a BODY."));
  const simulator = c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME);
  await rememberOrigin(c, simulator);
  const outcome = await simulator.submitTemplate({
    wabaId,
    name: parsed.output.name,
    language: parsed.output.language,
    category: parsed.output.category,
    components: JSON.stringify(parsed.output.components),
  });
  if (outcome.ok) return c.json({ id: outcome.template.id, status: outcome.template.status, category: outcome.template.category });
  return metaError(c, {
      status: 400,
      body: {
        error: {
          message: "Invalid parameter",
          type: "OAuthException",
          code: 100,
          error_subcode: 2388024,
          error_user_title: "Content in this language already exists",
          error_user_msg: `There is already ${parsed.output.language} content for this template (${parsed.output.name}). Choose another name or language.`,
          fbtrace_id: newFbtraceId(),
        },
      } as GraphError["body"],
    });
}

/** The Resumable Upload API, step 1: POST /{app-id}/uploads?file_length&file_type → an upload session id. */
async function startUpload(c: Context<AppEnv>) {
  const problem = tokenProblem(c);
  if (problem) return metaError(c, problem);
  const url = new URL(c.req.url);
  const length = Number(url.searchParams.get("file_length"));
  const type = url.searchParams.get("file_type") ?? "";
  if (!Number.isInteger(length) || length <= 0) return metaError(c, graphErrors.invalidParameter("Parameter 'file_length' is required."));
  if (!/^(image\/(jpeg|png)|video\/mp4|application\/pdf)$/.test(type)) {
    return metaError(c, graphErrors.invalidParameter(`Parameter 'file_type' is invalid: ${type || "missing"} (image/jpeg, image/png, video/mp4 or application/pdf).`));
  }
  const session = crypto.randomUUID().replace(/-/g, "");
  await c.env.MEDIA.put(`simulator/uploads/${session}`, new Uint8Array(0), { customMetadata: { length: String(length), type } });
  return c.json({ id: `upload:${session}` });
}

/** Step 2: POST /upload:{session} with `Authorization: OAuth …`, `file_offset: 0` and the bytes → `{ h }`, the handle. */
async function finishUpload(c: Context<AppEnv>) {
  const auth = c.req.header("Authorization") ?? "";
  const token = /^OAuth\s+(\S+)$/i.exec(auth)?.[1];
  if (!token) return metaError(c, graphErrors.missingToken());
  if (c.env.WHATSAPP_ACCESS_TOKEN && token !== c.env.WHATSAPP_ACCESS_TOKEN) return metaError(c, graphErrors.invalidToken());
  const session = c.req.param("session")!.replace(/^upload:/, "");
  const started = await c.env.MEDIA.head(`simulator/uploads/${session}`);
  if (!started) return metaError(c, graphErrors.invalidParameter(`No upload session upload:${session}.`));
  if ((c.req.header("file_offset") ?? "0") !== "0") return metaError(c, graphErrors.invalidParameter("The simulator takes the whole file at file_offset 0."));
  const bytes = await c.req.arrayBuffer();
  const type = started.customMetadata?.type ?? "application/octet-stream";
  await c.env.MEDIA.put(`simulator/uploads/${session}`, bytes, { httpMetadata: { contentType: type } });
  return c.json({ h: `4::${btoa(type)}:${session}` });
}

/** Meta checks the token before anything else; null when it is fine. */
function tokenProblem(c: Context<AppEnv>) {
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  if (!token) return graphErrors.missingToken();
  if (c.env.WHATSAPP_ACCESS_TOKEN && token !== c.env.WHATSAPP_ACCESS_TOKEN) return graphErrors.invalidToken();
  return null;
}

/** POST /{phone-number-id}/media (multipart): keeps the file, answers its media id. */
async function uploadMedia(c: Context<AppEnv>) {
  const problem = tokenProblem(c);
  if (problem) return metaError(c, problem);
  const phoneNumberId = c.req.param("phoneNumberId")!;
  if (phoneNumberId !== SIM_PHONE_NUMBER_ID) return metaError(c, graphErrors.unknownPhoneNumberId(phoneNumberId));
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    return metaError(c, graphErrors.invalidParameter("The upload must be multipart/form-data."));
  }
  const file = form.get("file");
  if (form.get("messaging_product") !== "whatsapp") return metaError(c, graphErrors.invalidParameter("Parameter 'messaging_product' is required."));
  if (!file || typeof file === "string") return metaError(c, graphErrors.invalidParameter("Parameter 'file' is required."));
  const id = newMediaId();
  await c.env.MEDIA.put(simulatorMediaKey(id), await file.arrayBuffer(), {
    httpMetadata: { contentType: file.type || "application/octet-stream" },
    customMetadata: { filename: file.name },
  });
  return c.json({ id });
}

/** GET /{media-id}: Meta's lookup — a short-lived URL on this fake, or a failure when told to fail. */
async function lookupMedia(c: Context<AppEnv>) {
  const problem = tokenProblem(c);
  if (problem) return metaError(c, problem);
  const id = c.req.param("mediaId")!;
  if (await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).takeMediaLookupFailure()) return metaError(c, graphErrors.mediaLookupFailed());
  const object = await c.env.MEDIA.head(simulatorMediaKey(id));
  if (!object) return metaError(c, graphErrors.unknownMedia(id));
  const url = `${new URL(c.req.url).origin}/simulator/graph/media-download/${encodeURIComponent(id)}?ext=${Date.now()}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(object.etag)));
  return c.json(
    mediaLookupAnswer(id, {
      url,
      mimeType: object.httpMetadata?.contentType ?? "application/octet-stream",
      size: object.size,
      sha256: btoa(String.fromCharCode(...digest)),
    }),
  );
}

/** The download behind the lookup's URL: needs the token, like Meta's. */
async function downloadMedia(c: Context<AppEnv>) {
  const problem = tokenProblem(c);
  if (problem) return c.body(null, 401);
  const object = await c.env.MEDIA.get(simulatorMediaKey(c.req.param("mediaId")!));
  if (!object) return c.body(null, 404);
  return new Response(object.body, {
    headers: { "Content-Type": object.httpMetadata?.contentType ?? "application/octet-stream", "Content-Length": String(object.size) },
  });
}

/** A media id in Meta's shape (15–16 digits). */
export function newMediaId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  return `9${Array.from(bytes, (b) => String(b % 10)).join("")}`;
}

export const graphRoutes = new Hono<AppEnv>();

graphRoutes.post("/:version{v[0-9]+\\.[0-9]+}/:phoneNumberId/messages", sendMessage);
graphRoutes.post("/:phoneNumberId/messages", sendMessage);
graphRoutes.post("/:version{v[0-9]+\\.[0-9]+}/:phoneNumberId/media", uploadMedia);
graphRoutes.post("/:phoneNumberId/media", uploadMedia);
graphRoutes.get("/media-download/:mediaId", downloadMedia);
graphRoutes.get("/:version{v[0-9]+\\.[0-9]+}/:wabaId/message_templates", listTemplates);
graphRoutes.get("/:wabaId/message_templates", listTemplates);
graphRoutes.post("/:version{v[0-9]+\\.[0-9]+}/:wabaId/message_templates", createTemplateRoute);
graphRoutes.post("/:wabaId/message_templates", createTemplateRoute);
graphRoutes.post("/:version{v[0-9]+\\.[0-9]+}/:session{upload:[A-Za-z0-9]+}", finishUpload);
graphRoutes.post("/:session{upload:[A-Za-z0-9]+}", finishUpload);
graphRoutes.post("/:version{v[0-9]+\\.[0-9]+}/:appId/uploads", startUpload);
graphRoutes.post("/:appId/uploads", startUpload);
graphRoutes.get("/:version{v[0-9]+\\.[0-9]+}/:mediaId{[0-9]+}", lookupMedia);
graphRoutes.get("/:mediaId{[0-9]+}", lookupMedia);

// Anything else under the fake Graph API answers as Graph does for a path it does not know.
graphRoutes.all("*", (c) =>
  c.json(
    {
      error: {
        message: `Unknown path components: ${new URL(c.req.url).pathname.replace(/^\/simulator\/graph/, "")}`,
        type: "OAuthException",
        code: 2500,
        fbtrace_id: newFbtraceId(),
      },
    },
    400,
  ),
);
