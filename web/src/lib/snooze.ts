/**
 * Snooze presets, computed in the browser's own time zone: "in 1 hour", "tomorrow at 9:00",
 * "next week" (next Monday at 9:00). A custom time comes from a datetime-local input.
 */
export type SnoozePreset = "hour" | "tomorrow" | "nextWeek";
export const SNOOZE_PRESETS: readonly SnoozePreset[] = ["hour", "tomorrow", "nextWeek"];

const HOUR = 3_600_000;

export function snoozeUntil(preset: SnoozePreset, now: number = Date.now()): number {
  if (preset === "hour") return now + HOUR;
  const d = new Date(now);
  d.setHours(9, 0, 0, 0);
  if (preset === "tomorrow") {
    d.setDate(d.getDate() + 1);
    return d.getTime();
  }
  // Next Monday, 9:00 (on a Monday: the Monday after).
  const days = ((8 - d.getDay()) % 7) || 7;
  d.setDate(d.getDate() + days);
  return d.getTime();
}

/** A datetime-local value ("2026-11-20T14:30") as epoch ms in local time; null when empty or invalid. */
export function parseLocalDateTime(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, 0, 0);
  return Number.isNaN(date.getTime()) ? null : date.getTime();
}

/** Epoch ms as a datetime-local value in local time (for the input's min and default). */
export function toLocalDateTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
