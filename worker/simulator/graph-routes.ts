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
import { graphErrors, newFbtraceId, sendAccepted, type GraphError, type Pricing } from "./meta-shapes";
import { rememberOrigin } from "./origin";

const NonEmpty = v.pipe(v.string(), v.minLength(1));

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
  let kind: "text" | "template";
  let text: string;
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
  } else {
    return metaError(
      c,
      graphErrors.invalidParameter(`Parameter 'type' is invalid: the simulator handles "text" and "template" messages, not "${type}".`),
    );
  }

  const result = await simulator.acceptBusinessMessage({
    to: payload.to ?? null,
    recipient: payload.recipient ?? null,
    kind,
    text,
    templateName,
    callbackData: payload.biz_opaque_callback_data ?? null,
    pricing,
  });
  if (!result.ok) return metaError(c, graphErrors.undeliverable(result.input));
  return c.json(sendAccepted(result.input, result.customer, result.byUserId, result.wamid, kind === "template"));
}

export const graphRoutes = new Hono<AppEnv>();

graphRoutes.post("/:version{v[0-9]+\\.[0-9]+}/:phoneNumberId/messages", sendMessage);
graphRoutes.post("/:phoneNumberId/messages", sendMessage);

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
