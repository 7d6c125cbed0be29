/**
 * Sign-in throttling (Chatwoot CVE-2022-3741 had none): failures are counted per account and per
 * client address in a fixed window. Past the limit, sign-in answers 429 with Retry-After — for a
 * known and an unknown email alike, so throttling reveals nothing about which accounts exist.
 */
import { ApiError } from "../errors";

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 30;

interface FailureRow {
  key: string;
  count: number;
  window_start: number;
}

function keysFor(email: string, ip: string) {
  return [
    { key: `account:${email}`, limit: MAX_FAILURES_PER_ACCOUNT },
    { key: `address:${ip}`, limit: MAX_FAILURES_PER_ADDRESS },
  ];
}

/** Throws 429 `rate_limited` when the account or the address has failed too often lately. */
export async function assertNotThrottled(db: D1Database, email: string, ip: string, now = Date.now()): Promise<void> {
  const keys = keysFor(email, ip);
  const { results } = await db
    .prepare("SELECT key, count, window_start FROM sign_in_failures WHERE key IN (?, ?)")
    .bind(keys[0]!.key, keys[1]!.key)
    .all<FailureRow>();
  for (const row of results) {
    const limit = keys.find((k) => k.key === row.key)!.limit;
    const windowEnd = row.window_start + THROTTLE_WINDOW_MS;
    if (row.count >= limit && windowEnd > now) {
      const retryAfter = Math.ceil((windowEnd - now) / 1000);
      throw new ApiError(429, "rate_limited", "Too many failed sign-ins. Wait a few minutes and try again.", {
        retryAfter,
      });
    }
  }
}

/** Count one failure for the account and the address (a new window starts when the old one has passed). */
export async function recordFailure(db: D1Database, email: string, ip: string, now = Date.now()): Promise<void> {
  const statements = keysFor(email, ip).map(({ key }) =>
    db
      .prepare(
        `INSERT INTO sign_in_failures (key, count, window_start) VALUES (?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN window_start + ? <= excluded.window_start THEN 1 ELSE count + 1 END,
           window_start = CASE WHEN window_start + ? <= excluded.window_start THEN excluded.window_start ELSE window_start END`,
      )
      .bind(key, now, THROTTLE_WINDOW_MS, THROTTLE_WINDOW_MS),
  );
  await db.batch(statements);
}

/** A successful sign-in clears the account's count (the address keeps its own). */
export async function clearAccountFailures(db: D1Database, email: string): Promise<void> {
  await db.prepare("DELETE FROM sign_in_failures WHERE key = ?").bind(`account:${email}`).run();
}
