/**
 * The simulator page's JSON API (/simulator/api/...): simulated customers, their chats, and
 * "send as this customer". Chorus-shaped errors (ApiError), valibot validation via validate().
 */
import { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { validate } from "../validation";
import { SIM_BUSINESS_NAME, SIM_DISPLAY_PHONE_NUMBER, SIM_PHONE_NUMBER_ID, SIM_WABA_ID, SIMULATOR_DO_NAME } from "./constants";
import { rememberOrigin, webhookOrigin } from "./origin";
import { CustomerSendKindBody, KindNotPossible, metaMessageFor, type MetaMessageSpec } from "./inbound-kinds";
import { SAMPLE_FILES } from "./sample-media";
import { simulatorMediaKey } from "./graph-routes";
import { contentDisposition, safeContentType } from "../services/media";

const Phone = v.pipe(
  v.string(),
  v.trim(),
  // People type numbers with +, spaces, dashes, dots and parentheses; Meta's wa_id is digits only.
  v.transform((s) => s.replace(/[\s().-]/g, "").replace(/^\+/, "")),
  v.regex(/^[1-9][0-9]{7,14}$/, "Enter the phone number with its country code: 8 to 15 digits, e.g. 15551234567."),
);

const Username = v.pipe(
  v.string(),
  v.trim(),
  v.transform((s) => s.replace(/^@/, "").toLowerCase()),
  v.regex(/^(?=.*[a-z])[a-z0-9._]{3,35}$/, "A username has 3 to 35 letters, digits, periods or underscores, with at least one letter."),
);

const ProfileName = v.pipe(v.string(), v.trim(), v.minLength(1, "Enter a name or leave it out."), v.maxLength(100));

export const CreateCustomerBody = v.pipe(
  v.object({
    phone: v.optional(v.nullable(Phone)),
    username: v.optional(v.nullable(Username)),
    name: v.optional(v.nullable(ProfileName)),
  }),
  v.forward(
    v.check((body) => Boolean(body.phone || body.username), "Enter a phone number, or a username for a customer without one."),
    ["phone"],
  ),
);

export const CustomerSendBody = v.object({
  text: v.pipe(v.string(), v.trim(), v.minLength(1, "Write a message."), v.maxLength(4096, "A WhatsApp message has at most 4096 characters.")),
});

const CustomerParam = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
const ChatQuery = v.object({ open: v.optional(v.picklist(["0", "1"])) });

function customerNotFound(): ApiError {
  return new ApiError(404, "customer_not_found", "There is no simulated customer with this id.");
}

export const simulatorApiRoutes = new Hono<AppEnv>();

// Every simulator call refreshes the origin the SimulatorDO posts webhooks to.
simulatorApiRoutes.use("*", async (c, next) => {
  await rememberOrigin(c, c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME));
  await next();
});

simulatorApiRoutes.get("/business", (c) =>
  c.json({
    name: SIM_BUSINESS_NAME,
    phoneNumberId: SIM_PHONE_NUMBER_ID,
    displayPhoneNumber: SIM_DISPLAY_PHONE_NUMBER,
    wabaId: SIM_WABA_ID,
    webhookUrl: `${webhookOrigin(c)}/webhooks/whatsapp`,
    graphApiUrl: c.env.GRAPH_API_URL ?? null,
  }),
);

simulatorApiRoutes.get("/customers", async (c) => {
  const customers = await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).listCustomers();
  return c.json({ customers });
});

simulatorApiRoutes.post("/customers", validate("json", CreateCustomerBody), async (c) => {
  const body = c.req.valid("json");
  const result = await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).createCustomer({
    phone: body.phone ?? null,
    username: body.username ?? null,
    name: body.name ?? null,
  });
  if (!result.ok) {
    const what = result.field === "phone" ? "phone number" : "username";
    throw new ApiError(409, "customer_exists", `A simulated customer with this ${what} already exists.`, { field: result.field });
  }
  return c.json({ customer: result.customer }, 201);
});

simulatorApiRoutes.get("/customers/:id", validate("param", CustomerParam), async (c) => {
  const customer = await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).getCustomer(c.req.valid("param").id);
  if (!customer) throw customerNotFound();
  return c.json({ customer });
});

simulatorApiRoutes.delete("/customers/:id", validate("param", CustomerParam), async (c) => {
  const deleted = await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).deleteCustomer(c.req.valid("param").id);
  if (!deleted) throw customerNotFound();
  return c.body(null, 204);
});

/** The chat, oldest first. `?open=1` while the page shows it: the customer reads what arrives. */
simulatorApiRoutes.get("/customers/:id/messages", validate("param", CustomerParam), validate("query", ChatQuery), async (c) => {
  const chat = await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).chat(c.req.valid("param").id, c.req.valid("query").open === "1");
  if (!chat) throw customerNotFound();
  return c.json(chat);
});

/** The customer writes: a signed Meta webhook goes to /webhooks/whatsapp; the answer says how it went. */
simulatorApiRoutes.post("/customers/:id/messages", validate("param", CustomerParam), validate("json", CustomerSendBody), async (c) => {
  const result = await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).customerSends(c.req.valid("param").id, c.req.valid("json").text);
  if (!result.ok) throw customerNotFound();
  return c.json({ message: result.message }, 201);
});

/** The bundled sample files a customer can send (issue 5). */
simulatorApiRoutes.get("/samples", (c) =>
  c.json({ samples: Object.entries(SAMPLE_FILES).map(([name, f]) => ({ name, kind: f.kind, mimeType: f.mimeType, filename: f.filename })) }),
);

/**
 * The customer sends any other kind (issue 5): a sample picture, video, voice note, document or
 * sticker, a location, a contact card, a reply button or list choice, a Flow answer, a reaction, an
 * order, a product inquiry, a template quick-reply, forwarded text, text from a click-to-WhatsApp
 * ad, a changed-number notice, a message WhatsApp does not support — each as Meta's webhook carries
 * it — or (kind "echo") the owner answers this customer from the WhatsApp Business app.
 */
simulatorApiRoutes.post("/customers/:id/send", validate("param", CustomerParam), validate("json", CustomerSendKindBody), async (c) => {
  const simulator = c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME);
  const customer = await simulator.getCustomer(c.req.valid("param").id);
  if (!customer) throw customerNotFound();
  let spec: MetaMessageSpec;
  try {
    spec = await metaMessageFor(c.env, c.req.valid("json"), customer);
  } catch (err) {
    if (err instanceof KindNotPossible) throw new ApiError(400, "invalid_request", err.message);
    throw err;
  }
  const result = await simulator.customerSendsKind(customer.id, spec);
  if (!result.ok && result.reason === "number_taken") {
    throw new ApiError(409, "customer_exists", "A simulated customer with this phone number already exists.", { field: "newPhone" });
  }
  if (!result.ok) throw customerNotFound();
  return c.json({ message: result.message }, 201);
});

/** For tests and demos: the next `count` media lookups of the Graph fake fail, as Meta's sometimes do. */
simulatorApiRoutes.post("/graph/fail-media-lookups", validate("json", v.object({ count: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)) })), async (c) => {
  await c.env.SIMULATOR_DO.getByName(SIMULATOR_DO_NAME).failMediaLookups(c.req.valid("json").count);
  return c.body(null, 204);
});

const MediaParam = v.object({ id: v.pipe(v.string(), v.regex(/^[0-9]{1,20}$/, "A media id is digits.")) });

/**
 * A file the Graph fake holds (what Chorus uploaded to send, or a sample a customer sent), for the
 * simulator page to show business media as the customer's phone would: same origin (the page's
 * CSP allows 'self' only). Only pictures, audio and video render inline; anything else downloads,
 * never sniffed, sandboxed.
 */
simulatorApiRoutes.get("/media/:id", validate("param", MediaParam), async (c) => {
  const object = await c.env.MEDIA.get(simulatorMediaKey(c.req.valid("param").id));
  if (!object) throw new ApiError(404, "media_not_found", "The simulator holds no file with this media id.");
  const contentType = safeContentType(object.httpMetadata?.contentType);
  return new Response(object.body, {
    headers: {
      "Content-Type": contentType,
      "Content-Length": String(object.size),
      "Content-Disposition": contentDisposition(contentType, object.customMetadata?.filename ?? null),
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "Cache-Control": "no-store",
    },
  });
});

simulatorApiRoutes.all("*", () => {
  throw new ApiError(404, "not_found", "There is nothing at this address.");
});
