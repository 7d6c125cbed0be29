/**
 * One per WhatsApp number (named by channel id): paces the number's sends to its throughput
 * (issue 5) — Meta's default is 80 messages/s per number (the channel's `messages_per_second`
 * overrides it). Every Conversation DO asks for a slot before calling the Graph API; the answer is
 * how long to wait. A generic cell rate algorithm (GCRA): sends are spaced 1/rate apart, with a
 * burst of up to one second's worth admitted at once.
 *
 * State is memory only: after an eviction the bucket starts full, which at worst admits one extra
 * second's burst — Meta's 130429 backoff covers that rare case.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../worker/env";
import { DEFAULT_MESSAGES_PER_SECOND } from "../worker/whatsapp/rate-limits";

const RATE_CACHE_MS = 60_000;

export class SendRateDO extends DurableObject<Env> {
  /** Theoretical arrival time of the next send (GCRA). */
  private tat = 0;
  private rate: number | null = null;
  private rateReadAt = 0;

  /**
   * Reserve a send slot for `channelId` at `now`: the milliseconds to wait before sending (0: go).
   * `rate` overrides the stored rate (tests, or a caller that knows it).
   */
  async reserve(channelId: string, now = Date.now(), rate?: number): Promise<number> {
    const perSecond = rate ?? (await this.rateOf(channelId, now));
    const interval = 1000 / perSecond;
    const burst = 1000; // one second's worth of sends may go at once
    const tat = Math.max(this.tat, now);
    const slot = Math.max(now, tat - burst + interval);
    this.tat = tat + interval;
    return Math.max(0, Math.ceil(slot - now));
  }

  private async rateOf(channelId: string, now: number): Promise<number> {
    if (this.rate !== null && now - this.rateReadAt < RATE_CACHE_MS) return this.rate;
    try {
      const row = await this.env.DB.prepare("SELECT messages_per_second AS r FROM channels WHERE id = ?").bind(channelId).first<{ r: number | null }>();
      this.rate = row?.r && row.r > 0 ? row.r : DEFAULT_MESSAGES_PER_SECOND;
    } catch {
      this.rate ??= DEFAULT_MESSAGES_PER_SECOND;
    }
    this.rateReadAt = now;
    return this.rate;
  }

  /** Forget the cached rate (the channel's setting changed). */
  async refresh(): Promise<void> {
    this.rate = null;
  }
}
