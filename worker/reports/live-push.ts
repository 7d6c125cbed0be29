/**
 * Pushing the live view from the Hub (issue 6). Anything that moves a live figure — a Conversation
 * DO writing report facts, a user changing their availability, a socket opening or closing — calls
 * the Hub's `metricsChanged()`. The first call arms a 250 ms timer; calls until it fires ride along;
 * then ONE fresh snapshot (worker/reports/live.ts) goes as `metrics.updated` to every Owner's and
 * Manager's socket that subscribed (the reports page sends `{"type":"metrics.subscribe"}`; an
 * inbox socket never gets it). So a burst of a hundred webhooks costs a handful of snapshots, and the view
 * is at most ~¼ s plus one D1 round trip behind the event. Agents never receive it: sockets are
 * found by their role tag and the attachment's role is checked again. Nobody watching: no query.
 *
 * The timer lives in memory; if the Hub is evicted before it fires (it is not while a timer is
 * pending), the next change arms a new one — the figures are recomputed from D1 each time, so
 * nothing is lost but a moment.
 */
import type { MetricsEvent } from "../contracts/reports";
import type { Env, Role } from "../env";
import { liveSnapshot } from "./live";

export const METRICS_DEBOUNCE_MS = 250;
/** What the reports page sends on its socket to receive `metrics.updated`. */
export const METRICS_SUBSCRIBE = "metrics.subscribe";
const WATCHING_ROLES: readonly Role[] = ["owner", "manager"];

export class MetricsPusher {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  /** Something a live figure depends on changed: push a fresh snapshot within METRICS_DEBOUNCE_MS. */
  changed(): void {
    if (this.timer !== null || this.watchers().length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ctx.waitUntil(this.push());
    }, METRICS_DEBOUNCE_MS);
  }

  /** Compute the snapshot once and send it to every Owner's and Manager's socket. Never throws. */
  async push(): Promise<number> {
    const sockets = this.watchers();
    if (sockets.length === 0) return 0;
    let payload: string;
    try {
      const event: MetricsEvent = { type: "metrics.updated", live: await liveSnapshot(this.env.DB, this.connections()) };
      payload = JSON.stringify(event);
    } catch (err) {
      console.warn("live metrics snapshot failed", err);
      return 0;
    }
    let sent = 0;
    for (const ws of this.watchers()) {
      try {
        ws.send(payload);
        sent++;
      } catch {
        // Closing socket: its close handler tidies up.
      }
    }
    return sent;
  }

  /** Open sockets per user id: whose inbox is open somewhere. */
  private connections(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const ws of this.ctx.getWebSockets()) {
      const userId = (ws.deserializeAttachment() as { userId?: string } | null)?.userId;
      if (userId) counts[userId] = (counts[userId] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * `{"type":"metrics.subscribe"}` from a socket: an Owner's or Manager's reports page wants the
   * live view. Marks the socket (in its attachment, so it survives hibernation) and pushes soon.
   * True when the message was this (handled), whoever sent it; an agent's request is ignored.
   */
  subscribe(ws: WebSocket, message: unknown): boolean {
    if (typeof message !== "object" || message === null || (message as { type?: unknown }).type !== METRICS_SUBSCRIBE) return false;
    const attachment = ws.deserializeAttachment() as { role?: Role; metrics?: boolean } | null;
    if (!attachment?.role || !WATCHING_ROLES.includes(attachment.role)) return true;
    if (!attachment.metrics) ws.serializeAttachment({ ...attachment, metrics: true });
    this.changed();
    return true;
  }

  /** Owners' and Managers' sockets that asked for the live view (only those: an inbox never gets it). */
  private watchers(): WebSocket[] {
    return WATCHING_ROLES.flatMap((role) => this.ctx.getWebSockets(`role:${role}`)).filter((ws) => {
      const attachment = ws.deserializeAttachment() as { role?: Role; metrics?: boolean } | null;
      return attachment?.metrics === true && attachment.role !== undefined && WATCHING_ROLES.includes(attachment.role);
    });
  }
}
