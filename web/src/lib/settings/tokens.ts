/** API-token helpers: state at a moment, and the expiry a person picked turned into epoch ms. */

export interface TokenTimes {
  expiresAt: number | null;
  revokedAt: number | null;
}

export type TokenState = "active" | "expired" | "revoked";

export function tokenState(token: TokenTimes, now: number): TokenState {
  if (token.revokedAt !== null) return "revoked";
  if (token.expiresAt !== null && token.expiresAt <= now) return "expired";
  return "active";
}

export const EXPIRY_CHOICES = ["never", "30", "90", "365", "custom"] as const;
export type ExpiryChoice = (typeof EXPIRY_CHOICES)[number];

const DAY = 86_400_000;

export type ExpiryResult = { ok: true; expiresAt: number | null } | { ok: false; error: string };

/**
 * The expiry to send for a choice: null for never, N days from now, or the end of a chosen day
 * (local time, "YYYY-MM-DD" from a date input). A custom day must be in the future. Errors are
 * i18n keys.
 */
export function expiryFromChoice(choice: ExpiryChoice, now: number, customDate = ""): ExpiryResult {
  if (choice === "never") return { ok: true, expiresAt: null };
  if (choice !== "custom") return { ok: true, expiresAt: now + Number(choice) * DAY };
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(customDate);
  if (!match) return { ok: false, error: "settings.tokens.expiryDateRequired" };
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const end = new Date(y, m - 1, d, 23, 59, 59, 999);
  // new Date rolls 2026-02-31 over into March: refuse a day that does not exist.
  if (end.getFullYear() !== y || end.getMonth() !== m - 1 || end.getDate() !== d) {
    return { ok: false, error: "settings.tokens.expiryDateRequired" };
  }
  if (end.getTime() <= now) return { ok: false, error: "settings.tokens.expiryPast" };
  return { ok: true, expiresAt: end.getTime() };
}

/** Today as "YYYY-MM-DD" in local time, for a date input's `min`. */
export function localDateInputValue(at: number): string {
  const date = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
