import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { MetaMessageSpec } from "./inbound-kinds";
import { newId } from "../ids";
import {
  CHAT_OPEN_LEASE_MS,
  DELIVERED_AFTER_MS,
  READ_AFTER_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_BASE_MS,
} from "./constants";
import {
  echoWebhook,
  inboundWebhook,
  inboundTextWebhook,
  newWamid,
  signatureHeader,
  statusWebhook,
  type OutboundStatus,
  type Pricing,
  type SimCustomerIdentity,
} from "./meta-shapes";
import {
  allTemplates,
  createTemplate,
  findTemplate,
  migrateTemplates,
  reviewTemplate,
  templateStatusWebhook,
  TEMPLATE_REVIEW_AFTER_MS,
  type CreateOutcome,
  type SimTemplate,
} from "./sim-templates";

/** JSON, as it crosses the Durable Object RPC boundary. */
export type SimJson = string | number | boolean | null | SimJson[] | { [key: string]: SimJson };

/** How the simulator reaches the Worker's webhook. Real HTTP by default; tests swap it to capture. */
export type WebhookTransport = (url: string, init: RequestInit) => Promise<Response>;

export interface SimCustomer extends SimCustomerIdentity {
  id: string;
  createdAt: number;
  /** True while the simulator page has this chat open (it polls; see CHAT_OPEN_LEASE_MS). */
  chatOpen: boolean;
}

/**
 * Customer → business: pending (webhook not answered yet), accepted (Chorus answered 2xx),
 * retrying (refused or unreachable, will retry), refused (gave up).
 * Business → customer: accepted (Graph API took it), then sent → delivered → read.
 */
export type SimMessageStatus = "pending" | "accepted" | "retrying" | "refused" | OutboundStatus;

export interface SimMessage {
  id: string;
  customerId: string;
  direction: "in" | "out";
  /** text, template, or (issue 5) image, audio, video, document, sticker, location, contacts, interactive, reaction, button, order, … */
  kind: string;
  text: string;
  /** Issue 5: the kind's details as Meta's payload carries them (media id, buttons, coordinates…), as JSON text. */
  payload: string | null;
  templateName: string | null;
  status: SimMessageStatus;
  callbackData: string | null;
  /** Business → customer, written by the owner in the WhatsApp Business app (an smb_message_echoes webhook). */
  echo: boolean;
  /** Customer messages only: the business marked it read through the Graph API. */
  readByBusiness: boolean;
  /** The last webhook answer for a customer message (HTTP status, or null when unreachable). */
  webhookStatus: number | null;
  webhookError: string | null;
  createdAt: number;
  updatedAt: number;
}

export type CreateCustomerResult =
  | { ok: true; customer: SimCustomer }
  | { ok: false; reason: "exists"; field: "phone" | "username" };

export type CustomerSendsResult =
  | { ok: true; message: SimMessage }
  | { ok: false; reason: "customer_not_found" }
  | { ok: false; reason: "number_taken" };

export interface BusinessMessageInput {
  /** `to` as the business sent it (phone number or business-scoped user id), if any. */
  to: string | null;
  /** `recipient` (business-scoped user id), if any. */
  recipient: string | null;
  kind: string;
  text: string;
  /** Issue 5: the kind's object from the business's payload (media, interactive, location, reaction…), as JSON text. */
  payload?: string | null;
  templateName: string | null;
  callbackData: string | null;
  pricing: Pricing;
}

export type AcceptResult =
  | { ok: true; wamid: string; customer: SimCustomer; input: string; byUserId: boolean }
  | { ok: false; reason: "unknown_recipient"; input: string };

type TimerKind = "status" | "webhook" | "template_review";

const STATUS_RANK: Record<string, number> = { accepted: 0, sent: 1, delivered: 2, read: 3, played: 4 };

/** Meta's `played` exists for voice notes only: audio the business sent with `voice: true`. */
function isVoiceNote(message: SimMessage): boolean {
  if (message.kind !== "audio" || !message.payload) return false;
  try {
    return (JSON.parse(message.payload) as { voice?: unknown }).voice === true;
  } catch {
    return false;
  }
}

/** Country code prefixes → the two letters Meta puts in front of a business-scoped user id. */
const BSUID_COUNTRY: Array<[string, string]> = [
  ["81", "JP"],
  ["44", "GB"],
  ["49", "DE"],
  ["33", "FR"],
  ["34", "ES"],
  ["39", "IT"],
  ["55", "BR"],
  ["52", "MX"],
  ["91", "IN"],
  ["86", "CN"],
  ["82", "KR"],
  ["61", "AU"],
  ["65", "SG"],
  ["1", "US"],
];

function randomDigits(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  let out = String((bytes[0]! % 9) + 1);
  for (let i = 1; i < n; i++) out += String(bytes[i]! % 10);
  return out;
}

function newBusinessScopedUserId(phone: string | null): string {
  const country = phone ? (BSUID_COUNTRY.find(([prefix]) => phone.startsWith(prefix))?.[1] ?? "US") : "US";
  return `${country}.${randomDigits(20)}`;
}

/**
 * The simulated WhatsApp network: customers, what they wrote and what the business sent them,
 * and the timers that turn accepted business messages into sent → delivered → read webhooks.
 * One instance (SIMULATOR_DO_NAME) serves the whole simulator; it only exists when SIMULATOR=on.
 */
export class SimulatorDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  /**
   * Where signed webhooks go. Real HTTP to the Worker's own origin (proved under `wrangler dev`:
   * a Worker, a DO and a DO alarm can all fetch http://localhost:<port>/...). Tests replace it
   * through runInDurableObject to capture what the simulator sends.
   */
  webhookTransport: WebhookTransport = (url, init) => fetch(url, init);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate() {
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
    const version = row ? Number(row.value) : 0;
    if (version < 1) {
      this.sql.exec(`
        CREATE TABLE customers (
          id TEXT PRIMARY KEY,
          wa_id TEXT UNIQUE,
          user_id TEXT NOT NULL UNIQUE,
          username TEXT UNIQUE,
          name TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          chat_open_until INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE messages (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          wamid TEXT NOT NULL UNIQUE,
          customer_id TEXT NOT NULL,
          direction TEXT NOT NULL,
          kind TEXT NOT NULL,
          text TEXT NOT NULL,
          template_name TEXT,
          status TEXT NOT NULL,
          callback_data TEXT,
          pricing TEXT,
          webhook_status INTEGER,
          webhook_error TEXT,
          read_by_business INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX messages_by_customer ON messages (customer_id, seq);
        CREATE TABLE timers (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          due_at INTEGER NOT NULL,
          wamid TEXT,
          status TEXT,
          body TEXT,
          attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX timers_by_due ON timers (due_at, id);
      `);
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '1')");
    }
    if (version < 2) {
      // Issue 5: every message kind keeps its details (media id, buttons, coordinates…).
      this.sql.exec("ALTER TABLE messages ADD COLUMN payload TEXT");
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '2')");
    }
    if (version < 3) {
      // Issue 5: message templates created through the Graph fake (worker/simulator/sim-templates.ts).
      migrateTemplates(this.sql);
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '3')");
    }
    if (version < 4) {
      // Issue 5: the owner's answers from the WhatsApp Business app (smb_message_echoes).
      this.sql.exec("ALTER TABLE messages ADD COLUMN echo INTEGER NOT NULL DEFAULT 0");
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '4')");
    }
  }

  // ---- customers -------------------------------------------------------------------------------

  /** Every simulated customer, newest first. */
  async listCustomers(): Promise<SimCustomer[]> {
    return this.sql.exec("SELECT * FROM customers ORDER BY created_at DESC, id DESC").toArray().map((r) => this.toCustomer(r));
  }

  async getCustomer(id: string): Promise<SimCustomer | null> {
    return this.customerById(id);
  }

  /**
   * A new customer, by phone number (digits, Meta's wa_id) and/or by username. Every customer
   * gets a business-scoped user id ("US.<digits>"), as Meta gives every WhatsApp user one.
   */
  async createCustomer(input: { phone: string | null; username: string | null; name: string | null }): Promise<CreateCustomerResult> {
    if (input.phone && this.sql.exec("SELECT 1 FROM customers WHERE wa_id = ?", input.phone).toArray().length > 0) {
      return { ok: false, reason: "exists", field: "phone" };
    }
    if (input.username && this.sql.exec("SELECT 1 FROM customers WHERE username = ?", input.username).toArray().length > 0) {
      return { ok: false, reason: "exists", field: "username" };
    }
    const id = newId("simc");
    const name = input.name ?? input.username ?? `+${input.phone}`;
    this.sql.exec(
      "INSERT INTO customers (id, wa_id, user_id, username, name, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      input.phone,
      newBusinessScopedUserId(input.phone),
      input.username,
      name,
      Date.now(),
    );
    return { ok: true, customer: this.customerById(id)! };
  }

  /** Removes a customer with their chat and pending timers. */
  async deleteCustomer(id: string): Promise<boolean> {
    if (!this.customerById(id)) return false;
    this.sql.exec("DELETE FROM timers WHERE wamid IN (SELECT wamid FROM messages WHERE customer_id = ?)", id);
    this.sql.exec("DELETE FROM messages WHERE customer_id = ?", id);
    this.sql.exec("DELETE FROM customers WHERE id = ?", id);
    return true;
  }

  // ---- the chat --------------------------------------------------------------------------------

  /**
   * A customer's chat, oldest first. `open` means the simulator page shows this chat now: the
   * customer "sees" it, so delivered business messages get their read receipt.
   */
  async chat(customerId: string, open: boolean): Promise<{ customer: SimCustomer; messages: SimMessage[] } | null> {
    if (!this.customerById(customerId)) return null;
    if (open) {
      const now = Date.now();
      this.sql.exec("UPDATE customers SET chat_open_until = ? WHERE id = ?", now + CHAT_OPEN_LEASE_MS, customerId);
      const delivered = this.sql
        .exec<{ wamid: string }>("SELECT wamid FROM messages WHERE customer_id = ? AND direction = 'out' AND status = 'delivered'", customerId)
        .toArray();
      for (const { wamid } of delivered) this.scheduleStatus(wamid, "read", now);
      await this.armAlarm();
    }
    const messages = this.sql
      .exec("SELECT * FROM messages WHERE customer_id = ? ORDER BY seq", customerId)
      .toArray()
      .map((r) => this.toMessage(r));
    return { customer: this.customerById(customerId)!, messages };
  }

  /**
   * The customer writes text: builds Meta's inbound webhook (fresh wamid, timestamp now), records
   * it in the chat and POSTs it signed to the Worker's /webhooks/whatsapp. A refused or failed
   * delivery is retried from the alarm, as Meta retries.
   */
  async customerSends(customerId: string, text: string): Promise<CustomerSendsResult> {
    const customer = this.customerById(customerId);
    if (!customer) return { ok: false, reason: "customer_not_found" };
    const now = Date.now();
    const wamid = newWamid();
    this.sql.exec(
      `INSERT INTO messages (wamid, customer_id, direction, kind, text, status, created_at, updated_at)
       VALUES (?, ?, 'in', 'text', ?, 'pending', ?, ?)`,
      wamid,
      customerId,
      text,
      now,
      now,
    );
    const body = JSON.stringify(inboundTextWebhook(customer, { wamid, at: now, text }));
    await this.deliver(body, wamid, 1);
    return { ok: true, message: this.messageByWamid(wamid)! };
  }

  /**
   * The customer sends any kind (issue 5): `type` and its Meta object (`content`), with an optional
   * reply context, ad referral and message-level errors, as Meta's webhook carries them. `text` is
   * what the chat shows. Two kinds differ: an echo is the owner writing from the WhatsApp Business
   * app (business → customer, an smb_message_echoes webhook), and a changed-number notice gives
   * the customer the new number once it is sent (from the old one, as Meta does).
   */
  async customerSendsKind(customerId: string, spec: MetaMessageSpec): Promise<CustomerSendsResult> {
    const customer = this.customerById(customerId);
    if (!customer) return { ok: false, reason: "customer_not_found" };
    if (spec.newWaId && this.customerBy("wa_id", spec.newWaId)) return { ok: false, reason: "number_taken" };
    const now = Date.now();
    const wamid = newWamid();
    const payload = { [spec.type]: spec.content, ...(spec.context ? { context: spec.context } : {}), ...(spec.referral ? { referral: spec.referral } : {}) };
    this.sql.exec(
      `INSERT INTO messages (wamid, customer_id, direction, kind, text, status, payload, echo, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
      wamid,
      customerId,
      spec.echo ? "out" : "in",
      spec.type,
      spec.text,
      JSON.stringify(payload),
      spec.echo ? 1 : 0,
      now,
      now,
    );
    const webhook = spec.echo
      ? echoWebhook(customer, { wamid, at: now, type: spec.type, content: spec.content })
      : inboundWebhook(customer, { wamid, at: now, type: spec.type, content: spec.content, context: spec.context, referral: spec.referral, errors: spec.errors });
    // The new number is the customer's from now on, whether or not Chorus took the notice yet.
    if (spec.newWaId) this.sql.exec("UPDATE customers SET wa_id = ? WHERE id = ?", spec.newWaId, customerId);
    await this.deliver(JSON.stringify(webhook), wamid, 1);
    return { ok: true, message: this.messageByWamid(wamid)! };
  }

  /** The next `count` media lookups of the Graph fake fail (Meta's lookups fail now and then). */
  async failMediaLookups(count: number): Promise<void> {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('media_lookup_failures', ?)", String(Math.max(0, count)));
  }

  /** True (and one fewer left) when this media lookup must fail. */
  async takeMediaLookupFailure(): Promise<boolean> {
    const left = Number(this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'media_lookup_failures'").toArray()[0]?.value ?? 0);
    if (left <= 0) return false;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('media_lookup_failures', ?)", String(left - 1));
    return true;
  }

  // ---- the Graph API fake ----------------------------------------------------------------------

  /**
   * The business sends a message (the Graph API fake accepted its payload). Finds the customer by
   * `to` (phone number, or a business-scoped user id) or `recipient` (business-scoped user id),
   * records the message and schedules its "sent" status at once.
   */
  async acceptBusinessMessage(msg: BusinessMessageInput): Promise<AcceptResult> {
    const input = (msg.to ?? msg.recipient)!;
    let customer: SimCustomer | null = null;
    let byUserId = false;
    if (msg.to !== null) {
      const digits = msg.to.replace(/[^0-9]/g, "");
      customer = /^[+0-9 ()\-.]+$/.test(msg.to) && digits ? this.customerBy("wa_id", digits) : null;
      if (!customer) {
        customer = this.customerBy("user_id", msg.to);
        byUserId = customer !== null;
      }
    } else if (msg.recipient !== null) {
      customer = this.customerBy("user_id", msg.recipient);
      byUserId = true;
    }
    if (!customer) return { ok: false, reason: "unknown_recipient", input };

    const now = Date.now();
    const wamid = newWamid();
    this.sql.exec(
      `INSERT INTO messages (wamid, customer_id, direction, kind, text, template_name, status, callback_data, pricing, created_at, updated_at, payload)
       VALUES (?, ?, 'out', ?, ?, ?, 'accepted', ?, ?, ?, ?, ?)`,
      wamid,
      customer.id,
      msg.kind,
      msg.text,
      msg.templateName,
      msg.callbackData,
      JSON.stringify(msg.pricing),
      now,
      now,
      msg.payload ?? null,
    );
    // "sent" goes from the alarm, not from inside this call: the business is still waiting for the
    // Graph API answer (with the wamid) when Meta's first status could already arrive.
    this.scheduleStatus(wamid, "sent", now);
    await this.armAlarm();
    return { ok: true, wamid, customer, input, byUserId };
  }

  /**
   * The business marks a customer's message as read (POST /messages with status "read"). Meta
   * marks every earlier message of that chat read too.
   */
  async businessReads(wamid: string): Promise<boolean> {
    const message = this.messageByWamid(wamid);
    if (!message || message.direction !== "in") return false;
    const seq = this.sql.exec<{ seq: number }>("SELECT seq FROM messages WHERE wamid = ?", wamid).toArray()[0]!.seq;
    this.sql.exec(
      "UPDATE messages SET read_by_business = 1, updated_at = ? WHERE customer_id = ? AND direction = 'in' AND seq <= ? AND read_by_business = 0",
      Date.now(),
      message.customerId,
      seq,
    );
    return true;
  }

  // ---- message templates (issue 5) -------------------------------------------------------------

  /** Every template of a WhatsApp Business Account, as GET /{waba-id}/message_templates lists them. */
  async listTemplates(wabaId: string): Promise<SimTemplate[]> {
    return allTemplates(this.sql, wabaId);
  }

  /** The template a send names (any account), or null. */
  async template(name: string, language: string): Promise<SimTemplate | null> {
    return findTemplate(this.sql, name, language);
  }

  /**
   * POST /{waba-id}/message_templates: recorded PENDING; the review runs from the alarm and its
   * verdict goes to the Worker as a signed `message_template_status_update` webhook, like Meta's.
   */
  async submitTemplate(input: { wabaId: string; name: string; language: string; category: string; components: string }): Promise<CreateOutcome> {
    const outcome = createTemplate(this.sql, input);
    if (outcome.ok) {
      this.sql.exec("INSERT INTO timers (kind, due_at, body) VALUES ('template_review', ?, ?)", Date.now() + TEMPLATE_REVIEW_AFTER_MS, outcome.template.id);
      await this.armAlarm();
    }
    return outcome;
  }

  /** Remembers the Worker's origin so alarm-driven webhooks know where /webhooks/whatsapp is. */
  async rememberOrigin(origin: string): Promise<void> {
    // The page polls every second: write only when the origin actually changes.
    const known = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'origin'").toArray()[0]?.value;
    if (known !== origin) this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('origin', ?)", origin);
  }

  // ---- timers ----------------------------------------------------------------------------------

  /** Runs every due timer (status changes, webhook retries), then re-arms for the next one. */
  async alarm(): Promise<void> {
    const due = this.sql
      .exec<{ id: number; kind: TimerKind; wamid: string | null; status: string | null; body: string | null; attempts: number }>(
        "SELECT id, kind, wamid, status, body, attempts FROM timers WHERE due_at <= ? ORDER BY due_at, id LIMIT 50",
        Date.now(),
      )
      .toArray();
    for (const timer of due) {
      // At least once, like Meta: the row goes only after its work is done; a crash replays it, and
      // fireStatus skips a status the message already has.
      if (timer.kind === "status" && timer.wamid && timer.status) {
        await this.fireStatus(timer.wamid, timer.status as OutboundStatus);
      } else if (timer.kind === "webhook" && timer.body) {
        await this.deliver(timer.body, timer.wamid, timer.attempts + 1);
      } else if (timer.kind === "template_review" && timer.body) {
        const reviewed = reviewTemplate(this.sql, timer.body);
        if (reviewed) await this.deliver(JSON.stringify(templateStatusWebhook(reviewed)), null, 1);
      }
      this.sql.exec("DELETE FROM timers WHERE id = ?", timer.id);
    }
    await this.armAlarm();
  }

  private scheduleStatus(wamid: string, status: OutboundStatus, dueAt: number) {
    const exists = this.sql.exec("SELECT 1 FROM timers WHERE kind = 'status' AND wamid = ? AND status = ?", wamid, status).toArray().length > 0;
    if (!exists) this.sql.exec("INSERT INTO timers (kind, due_at, wamid, status) VALUES ('status', ?, ?, ?)", dueAt, wamid, status);
  }

  private async armAlarm() {
    const next = this.sql.exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM timers").toArray()[0]?.due ?? null;
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    // A timer already due (or made due by a test) fires now: setAlarm refuses times <= 0.
    if (current === null || current > next) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }

  private async fireStatus(wamid: string, status: OutboundStatus) {
    const message = this.messageByWamid(wamid);
    if (!message || message.direction !== "out") return;
    if ((STATUS_RANK[message.status] ?? 0) >= STATUS_RANK[status]!) return;
    const customer = this.customerById(message.customerId);
    if (!customer) return;
    const now = Date.now();
    this.sql.exec("UPDATE messages SET status = ?, updated_at = ? WHERE wamid = ?", status, now, wamid);
    const pricingRow = this.sql.exec<{ pricing: string | null }>("SELECT pricing FROM messages WHERE wamid = ?", wamid).toArray()[0];
    const pricing = pricingRow?.pricing ? (JSON.parse(pricingRow.pricing) as Pricing) : null;
    const body = JSON.stringify(statusWebhook(customer, { wamid, status, at: now, callbackData: message.callbackData, pricing }));
    await this.deliver(body, null, 1);

    // Re-read after the outbound call: the page may have opened or closed the chat meanwhile.
    if (status === "sent") this.scheduleStatus(wamid, "delivered", Date.now() + DELIVERED_AFTER_MS);
    if (status === "delivered" && this.customerById(customer.id)?.chatOpen) {
      this.scheduleStatus(wamid, "read", Date.now() + READ_AFTER_MS);
    }
    // The customer who read a voice note plays it: Meta reports that as `played`.
    if (status === "read" && isVoiceNote(message)) this.scheduleStatus(wamid, "played", Date.now() + READ_AFTER_MS);
  }

  // ---- webhooks --------------------------------------------------------------------------------

  /**
   * POSTs one webhook body, signed like Meta (X-Hub-Signature-256 over the exact bytes), to the
   * Worker's /webhooks/whatsapp. `wamid` links a customer message so its chat bubble shows the
   * outcome. A non-2xx answer or a network error is retried with backoff from the alarm.
   */
  private async deliver(body: string, wamid: string | null, attempt: number) {
    const { status, error } = await this.post(body);
    const ok = status !== null && status >= 200 && status < 300;
    const willRetry = !ok && attempt < WEBHOOK_MAX_ATTEMPTS;
    if (wamid) {
      const linked = this.messageByWamid(wamid);
      // A customer message, or the owner's echo: its bubble shows whether Chorus took the webhook.
      if (linked && (linked.direction === "in" || linked.echo)) {
        const state = ok ? "accepted" : willRetry ? "retrying" : "refused";
        this.sql.exec(
          "UPDATE messages SET status = ?, webhook_status = ?, webhook_error = ?, updated_at = ? WHERE wamid = ?",
          state,
          status,
          error,
          Date.now(),
          wamid,
        );
      }
    }
    if (willRetry) {
      this.sql.exec(
        "INSERT INTO timers (kind, due_at, wamid, body, attempts) VALUES ('webhook', ?, ?, ?, ?)",
        Date.now() + WEBHOOK_RETRY_BASE_MS * 2 ** (attempt - 1),
        wamid,
        body,
        attempt,
      );
      await this.armAlarm();
    }
  }

  private async post(body: string): Promise<{ status: number | null; error: string | null }> {
    const origin = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'origin'").toArray()[0]?.value;
    if (!origin) return { status: null, error: "The simulator does not know the Worker's address yet." };
    const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "facebookexternalua" };
    const secret = this.env.WHATSAPP_APP_SECRET;
    if (secret) headers["X-Hub-Signature-256"] = await signatureHeader(body, secret);
    try {
      const res = await this.webhookTransport(`${origin}/webhooks/whatsapp`, { method: "POST", headers, body });
      const text = await res.text();
      if (res.ok) return { status: res.status, error: null };
      const hint = secret ? "" : " WHATSAPP_APP_SECRET is not set, so the webhook went unsigned.";
      return { status: res.status, error: `${text.slice(0, 300)}${hint}` };
    } catch (err) {
      return { status: null, error: err instanceof Error ? err.message : String(err) };
    }
  }

  // ---- rows ------------------------------------------------------------------------------------

  private customerById(id: string): SimCustomer | null {
    return this.customerBy("id", id);
  }

  private customerBy(column: "id" | "wa_id" | "user_id", value: string): SimCustomer | null {
    const row = this.sql.exec(`SELECT * FROM customers WHERE ${column} = ?`, value).toArray()[0];
    return row ? this.toCustomer(row) : null;
  }

  private messageByWamid(wamid: string): SimMessage | null {
    const row = this.sql.exec("SELECT * FROM messages WHERE wamid = ?", wamid).toArray()[0];
    return row ? this.toMessage(row) : null;
  }

  private toCustomer(r: Record<string, SqlStorageValue>): SimCustomer {
    return {
      id: String(r.id),
      waId: r.wa_id === null ? null : String(r.wa_id),
      userId: String(r.user_id),
      username: r.username === null ? null : String(r.username),
      name: String(r.name),
      createdAt: Number(r.created_at),
      chatOpen: Number(r.chat_open_until) > Date.now(),
    };
  }

  private toMessage(r: Record<string, SqlStorageValue>): SimMessage {
    return {
      id: String(r.wamid),
      customerId: String(r.customer_id),
      direction: r.direction === "out" ? "out" : "in",
      kind: String(r.kind),
      text: String(r.text),
      payload: typeof r.payload === "string" ? r.payload : null,
      templateName: r.template_name === null ? null : String(r.template_name),
      status: String(r.status) as SimMessageStatus,
      callbackData: r.callback_data === null ? null : String(r.callback_data),
      echo: Number(r.echo) === 1,
      readByBusiness: Number(r.read_by_business) === 1,
      webhookStatus: r.webhook_status === null ? null : Number(r.webhook_status),
      webhookError: r.webhook_error === null ? null : String(r.webhook_error),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    };
  }
}
