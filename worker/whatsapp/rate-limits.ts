/**
 * Sending discipline (issue 5). Meta limits a number's throughput (80 messages/s by default,
 * higher tiers on request; error 130429 when exceeded) and the messages to one customer (the pair
 * rate limit: about one every 6 seconds after a short burst; error 131056). Chorus paces each
 * number's sends (worker/services/send-rate.ts) and, when Meta still says "slow down", waits
 * longer than for an ordinary temporary failure before trying again.
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/throughput
 */

/** Meta's default throughput of a business number. */
export const DEFAULT_MESSAGES_PER_SECOND = 80;
/** After a 131056, wait at least this long before the next message to that customer (Meta: ~6 s per message). */
export const PAIR_RATE_MIN_DELAY_MS = 6_000;

/**
 * Meta's pair rate limit, kept before Meta has to say 131056: one message every 6 s to the same
 * customer, with a burst of up to 45 messages allowed — after which the burst is paid back at the
 * pair rate (45 messages at once means 270 s of "credit" used). An agent's ordinary back and forth
 * (a few messages a minute) never waits; a runaway automation or an agent pasting 50 messages does.
 */
export const PAIR_RATE_INTERVAL_MS = 6_000;
export const PAIR_RATE_BURST = 45;

/**
 * GCRA for one customer's pair: given the stored theoretical arrival time (`tat`, 0 when never
 * sent), how long the next message must wait, and the `tat` to store once it is sent.
 */
export function pairRateSlot(tat: number, now: number): { wait: number; tat: number } {
  const start = Math.max(tat, now);
  const allowedAt = start - (PAIR_RATE_BURST - 1) * PAIR_RATE_INTERVAL_MS;
  return { wait: Math.max(0, allowedAt - now), tat: start + PAIR_RATE_INTERVAL_MS };
}

/** Throughput codes: the number (or app) sends too fast. */
const THROUGHPUT_CODES = new Set([4, 80007, 130429]);

/**
 * How long to wait before attempt `attempts + 1` after a retryable answer with Meta `code`:
 * the ordinary backoff (`base`), stretched for the pair limit (6 s, 12 s, 24 s, …) and with a
 * little jitter for throughput limits so many threads do not retry in the same instant.
 */
export function rateLimitBackoff(code: number | null, attempts: number, base: number, jitter = Math.random()): number {
  if (code === 131056) return Math.max(base, PAIR_RATE_MIN_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  if (code !== null && THROUGHPUT_CODES.has(code)) return base + Math.floor(jitter * 1_000);
  return base;
}
