/**
 * Settings → Channels (issue 5, several numbers): the Owner's API for the workspace's WhatsApp
 * numbers (worker/routes/channels.ts) and the small rules the page shows — a number's health, its
 * label, and what the edit form may send. Types are inferred from worker/contracts/whatsapp.ts.
 */
import type * as v from "valibot";
import type * as W from "$contracts/whatsapp";
import { request } from "$lib/api";
import { channelLabel } from "$lib/channels.svelte";

export type ChannelSettings = v.InferOutput<typeof W.ChannelSettings>;
export type ChannelError = v.InferOutput<typeof W.ChannelError>;
export type UpdateChannelBody = v.InferInput<typeof W.UpdateChannelBody>;

const id = (value: string) => encodeURIComponent(value);

export const channelsApi = {
  list: () => request<{ channels: ChannelSettings[] }>("GET", "/api/channels"),
  update: (channelId: string, body: UpdateChannelBody) => request<{ channel: ChannelSettings }>("PATCH", `/api/channels/${id(channelId)}`, { body }),
  errors: (channelId: string, limit = 20) => request<{ errors: ChannelError[] }>("GET", `/api/channels/${id(channelId)}/errors`, { query: { limit: String(limit) } }),
};

/** Meta's default throughput for a number (messages per second) when none is set. */
export const DEFAULT_RATE = 80;

/** An error this recent colours the badge; older ones stay in the list and the "last error" line. */
export const RECENT_ERROR_MS = 24 * 60 * 60 * 1000;

export type HealthState = "healthy" | "no_webhook" | "error";

/**
 * The badge: "error" while Meta reported an error in the last 24 hours (a number that keeps
 * receiving webhooks may still be failing to send), else "healthy" once a webhook has arrived,
 * else "no_webhook" (Meta has never called for this number: check the webhook subscription).
 */
export function healthState(health: ChannelSettings["health"], now: number): HealthState {
  if (health.lastErrorAt !== null && now - health.lastErrorAt < RECENT_ERROR_MS) return "error";
  return health.lastWebhookAt === null ? "no_webhook" : "healthy";
}

export { channelLabel };

export interface ChannelForm {
  name: string;
  wabaId: string;
  defaultTeamId: string;
  /** Text of the rate field: "" means Meta's default. */
  rate: string;
}

export function formOf(channel: ChannelSettings): ChannelForm {
  return {
    name: channel.name ?? "",
    wabaId: channel.wabaId ?? "",
    defaultTeamId: channel.defaultTeamId ?? "",
    rate: channel.messagesPerSecond === null ? "" : String(channel.messagesPerSecond),
  };
}

export type FormProblem = "name" | "wabaId" | "rate";

/** What is wrong with the form, field by field (the server checks the same rules). */
export function formProblems(form: ChannelForm): FormProblem[] {
  const problems: FormProblem[] = [];
  if (form.name.trim().length > 100) problems.push("name");
  if (form.wabaId.trim() && !/^\d{5,25}$/.test(form.wabaId.trim())) problems.push("wabaId");
  const rate = form.rate.trim();
  if (rate && !(/^\d{1,4}$/.test(rate) && Number(rate) >= 1 && Number(rate) <= 1000)) problems.push("rate");
  return problems;
}

/** Only what changed, in the PATCH's terms ("" clears a field: null). */
export function changesOf(channel: ChannelSettings, form: ChannelForm): UpdateChannelBody {
  const body: UpdateChannelBody = {};
  const name = form.name.trim() || null;
  if (name !== channel.name) body.name = name;
  const wabaId = form.wabaId.trim() || null;
  if (wabaId !== channel.wabaId) body.wabaId = wabaId;
  const team = form.defaultTeamId || null;
  if (team !== channel.defaultTeamId) body.defaultTeamId = team;
  const rate = form.rate.trim() ? Number(form.rate.trim()) : null;
  if (rate !== channel.messagesPerSecond) body.messagesPerSecond = rate;
  return body;
}

/** An access token as typed: Meta's system-user tokens are long; the server refuses under 20 characters. */
export function tokenProblem(token: string): "empty" | "short" | null {
  const trimmed = token.trim();
  if (!trimmed) return "empty";
  return trimmed.length < 20 ? "short" : null;
}
