/**
 * The Graph API fake: POST /simulator/graph[/vNN.N]/{phone-number-id}/messages answers exactly as
 * Meta's Cloud API does (success and error shapes), so the Worker's real outbound code is what
 * gets exercised when GRAPH_API_URL points here. Errors are Meta-shaped on purpose — not the
 * Chorus `{ error: { code, message } }` shape — because the caller is the Worker playing Meta's client.
 */
import { Hono, type Context } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { SIM_PHONE_NUMBER_ID, SIMULATOR_DO_NAME } from "./constants";
import { graphErrors, mediaLookupAnswer, newFbtraceId, sendAccepted, type GraphError, type Pricing } from "./meta-shapes";
import { rememberOrigin } from "./origin";

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
    // The simulated Meta knows the approved templates Chorus knows (the templates table, which
    // template sync from Meta fills in production).
    const row = await c.env.DB.prepare("SELECT body, category FROM templates WHERE name = ? AND language = ? AND status = 'APPROVED'")
      .bind(template.name, template.language.code)
      .first<{ body: string; category: string }>();
    if (!row) return metaError(c, graphErrors.templateNotFound(template.name, template.language.code));
    const params = (template.components ?? []).find((comp) => comp.type === "body")?.parameters ?? [];
    const expected = placeholders(row.body);
    if (params.length !== expected) return metaError(c, graphErrors.templateParamMismatch(expected, params.length));
    kind = "template";
    templateName = template.name;
    text = row.body.replace(/\{\{\s*(\d+)\s*\}\}/g, (_m, n: string) => params[Number(n) - 1]?.text ?? "");
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
