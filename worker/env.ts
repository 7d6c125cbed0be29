import type { ConversationDO } from "../durable-objects/conversation";
import type { HubDO } from "../durable-objects/hub";
import type { SimulatorDO } from "../worker/simulator/simulator-do";
import type { SendRateDO } from "../durable-objects/send-rate";
import type { DeferredWrite } from "./reports/deferred";

/** Bindings and configuration of the one Worker (names as in wrangler.toml and docs/configuration.md). */
export interface Env {
  DB: D1Database;
  MEDIA: R2Bucket;
  CONVERSATION: DurableObjectNamespace<ConversationDO>;
  HUB: DurableObjectNamespace<HubDO>;
  SIMULATOR_DO: DurableObjectNamespace<SimulatorDO>;
  /** Issue 5: one per WhatsApp number, pacing its sends (durable-objects/send-rate.ts). */
  SEND_RATE: DurableObjectNamespace<SendRateDO>;
  /** Issue 7: report facts and search rows, written to D1 off the webhook's path (worker/reports/deferred.ts). */
  DEFERRED: Queue<DeferredWrite>;
  ASSETS?: Fetcher;
  /** Meta app secret: checks X-Hub-Signature-256 on webhooks. Unset → every webhook is refused. */
  WHATSAPP_APP_SECRET?: string;
  /** The token typed into Meta's webhook settings (GET handshake). */
  WHATSAPP_VERIFY_TOKEN?: string;
  /** System-user token for channels without their own. */
  WHATSAPP_ACCESS_TOKEN?: string;
  /** Graph API base URL, e.g. https://graph.facebook.com/v24.0 or http://localhost:8787/simulator/graph */
  GRAPH_API_URL?: string;
  /** Meta app id for template header uploads (Resumable Upload API); unset → "app", the token's own app (issue 5). */
  WHATSAPP_APP_ID?: string;
  /**
   * Secret that encrypts each channel's own access token at rest (AES-GCM; issue 5). Any long random
   * string; `npm start` writes one to .dev.vars. Without it, per-channel tokens cannot be saved.
   */
  CHANNEL_TOKEN_KEY?: string;
  /** Optional email sender for invitations: POST {to, subject, text} JSON (worker/email.ts). */
  EMAIL_API_URL?: string;
  /** Bearer key for EMAIL_API_URL (a secret). */
  EMAIL_API_KEY?: string;
  /** Minutes before the 24-hour window closes that its holder is warned (issue 5); default 60. */
  WINDOW_WARNING_MINUTES?: string;
  /** "on" enables /simulator (npm start only). */
  SIMULATOR?: string;
  /** "on" lets `npm run bench` ask for Server-Timing and D1 query counts (worker/bench-metrics.ts); never set in wrangler.toml. */
  BENCH_METRICS?: string;
}

/** Variables a signed-in request carries through Hono (set by the auth middleware). */
export interface AuthVariables {
  user: SessionUser;
  /** The session's id (hash) for cookie sign-ins; "" for an API token. */
  sessionId: string;
  /** How the request was authenticated: a browser session cookie or an API token. */
  authKind: "session" | "token";
}

export type Role = "owner" | "manager" | "agent";

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  language: string | null;
}

export type AppEnv = { Bindings: Env; Variables: AuthVariables };
