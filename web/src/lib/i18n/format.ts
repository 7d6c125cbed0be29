/**
 * Sentences that depend on time or on an error code. Pure functions: components pass in `$_`, the
 * current locale and the clock, so everything re-renders when any of them changes.
 */
import en from "./en";
import whatsappEn from "./whatsapp.en";
import type { Translate } from "./index";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The free entry point window (issue 5): while a thread that came from an ad is free, "free for
 * 71 h 59 m"; null when it never opened or has ended.
 */
export function freeEntryCountdown(t: Translate, freeEntryEndsAt: number | null | undefined, now: number): string | null {
  if (!freeEntryEndsAt || freeEntryEndsAt <= now) return null;
  return t("window.freeFor", { values: { time: formatDuration(t, freeEntryEndsAt - now) } });
}

/** "3 h 12 m", "45 m", "< 1 m". */
export function formatDuration(t: Translate, ms: number): string {
  if (ms < MINUTE) return t("duration.underMinute");
  const h = Math.floor(ms / HOUR);
  const m = Math.floor((ms % HOUR) / MINUTE);
  if (h === 0) return t("duration.m", { values: { m } });
  if (m === 0) return t("duration.h", { values: { h } });
  return t("duration.hm", { values: { h, m } });
}

/** Whether the customer-service window is open at `now`. A window never opened is closed. */
export function isWindowOpen(windowEndsAt: number | null | undefined, now: number): boolean {
  return windowEndsAt != null && windowEndsAt > now;
}

/** "closes in 3 h 12 m" or "window closed". */
export function windowCountdown(t: Translate, windowEndsAt: number | null | undefined, now: number): string {
  if (!isWindowOpen(windowEndsAt, now)) return t("window.closed");
  return t("window.closesIn", { values: { time: formatDuration(t, windowEndsAt! - now) } });
}

/** Short relative time for the list: "now", "5 m", "3 h", "2 d", then a date. */
export function relativeTime(t: Translate, locale: string, at: number, now: number): string {
  const ago = Math.max(0, now - at);
  if (ago < MINUTE) return t("time.now");
  if (ago < HOUR) return t("time.minutes", { values: { n: Math.floor(ago / MINUTE) } });
  if (ago < DAY) return t("time.hours", { values: { n: Math.floor(ago / HOUR) } });
  if (ago < 7 * DAY) return t("time.days", { values: { n: Math.floor(ago / DAY) } });
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    month: "short",
    day: "numeric",
    year: sameYear ? undefined : "numeric",
  }).format(at);
}

/**
 * One formatter per locale and shape: building an Intl.DateTimeFormat costs far more than using
 * one, and a scrolling thread formats every row that comes into view.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, shape: "clock" | "full"): Intl.DateTimeFormat {
  const key = `${locale}|${shape}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(
      locale,
      shape === "clock" ? { hour: "2-digit", minute: "2-digit" } : { dateStyle: "medium", timeStyle: "short" },
    );
    formatters.set(key, format);
  }
  return format;
}

/** Clock time of a message: "14:05" / "14:05". */
export function clockTime(locale: string, at: number): string {
  return formatter(locale, "clock").format(at);
}

/** Full date and time, for a tooltip. */
export function fullDateTime(locale: string, at: number): string {
  return formatter(locale, "full").format(at);
}

function startOfDay(at: number): number {
  const d = new Date(at);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Day separator in a thread: "Today", "Yesterday", or the date. */
export function dayLabel(t: Translate, locale: string, at: number, now: number): string {
  const days = Math.round((startOfDay(now) - startOfDay(at)) / DAY);
  if (days === 0) return t("time.today");
  if (days === 1) return t("time.yesterday");
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(locale, {
    weekday: days < 7 ? "long" : undefined,
    month: "long",
    day: "numeric",
    year: sameYear ? undefined : "numeric",
  }).format(at);
}

/** Error codes that have a sentence of our own in both languages. */
const KNOWN_ERROR_CODES = new Set([
  "invalid_request",
  "template_not_found",
  "invitation_invalid",
  "link_invalid",
  "email_taken",
  "template_parameters_mismatch",
  "idempotency_conflict",
  "payload_too_large",
  "unauthorized",
  "forbidden",
  "window_closed",
  "locked",
  "template_not_approved",
  "setup_done",
  "rate_limited",
  "not_found",
  "network",
  "internal",
  // Issue 5, sending files (web/src/lib/i18n/composer.*.ts).
  "media_too_large",
  "media_type_unsupported",
  "media_empty",
]);

export interface ErrorLike {
  code: string;
  message?: string;
  status?: number;
  details?: Record<string, unknown>;
}

/** Codes that mean the same to a person. */
const ALIASES: Record<string, string> = { internal_error: "internal" };

/**
 * A sentence for an API error: ours by `code` in the current language, else the server's own
 * message, else a generic one. `lockHolder` names who holds a reply lock when we know it.
 */
export function errorText(t: Translate, error: ErrorLike, context: { lockHolder?: string | null } = {}): string {
  const code = ALIASES[error.code] ?? error.code;
  if (code === "locked") {
    // 409 locked names the holder beside the message; the thread may know it too.
    const holder = (error.details?.holder as { name?: unknown } | undefined)?.name;
    const name = typeof holder === "string" && holder ? holder : context.lockHolder;
    if (name) return t("errors.lockedBy", { values: { name } });
  }
  if (code === "rate_limited" && typeof error.details?.retryAfter === "number") {
    return t("errors.rateLimitedFor", { values: { time: formatDuration(t, Math.max(1, Math.ceil(error.details.retryAfter / 60)) * 60_000) } });
  }
  if (KNOWN_ERROR_CODES.has(code)) return t(`errors.${code}`);
  if (error.message) return error.message;
  if (error.status && error.status >= 500) return t("errors.internal");
  return t("errors.unknown");
}

/**
 * Why a message failed, in the current language: ours by the server's `reason` key, else the
 * server's English sentence (it names Meta's title for codes nobody has mapped yet). The reasons live
 * in two dictionaries: the common ones in en.ts, the rest of Meta's table in whatsapp.en.ts.
 */
export function failureText(
  t: Translate,
  error: { reason?: string | null; message: string } | null | undefined,
): string {
  if (!error) return t("status.failed");
  // An unmapped code ("whatsapp_error") keeps the server's sentence: it names Meta's own title.
  if (error.reason === "whatsapp_error" && error.message) return error.message;
  if (error.reason && (Object.hasOwn(en.failure, error.reason) || Object.hasOwn(whatsappEn.failure, error.reason))) {
    return t(`failure.${error.reason}`);
  }
  return error.message || t("status.failed");
}
