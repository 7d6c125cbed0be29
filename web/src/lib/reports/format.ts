/**
 * Durations and dates for the reports page. Pure functions: the component passes `$_`.
 */
import type { Translate } from "$lib/i18n";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** 95 s → "1 min 35 s"; 3 h 5 min → "3 h 5 min"; 26 h → "1 d 2 h" (or Japanese). Null: "—". */
export function formatDuration(ms: number | null | undefined, t: Translate): string {
  if (ms === null || ms === undefined) return t("reports.none");
  // Exactly nothing (a wait entirely outside business hours) is not "under a second".
  if (ms === 0) return t("reports.unit.zero");
  if (ms < S) return t("reports.unit.ms");
  if (ms < M) return t("reports.unit.s", { values: { s: Math.round(ms / S) } });
  if (ms < H) {
    const m = Math.floor(ms / M);
    const s = Math.round((ms - m * M) / S);
    return s === 0 || m >= 10 ? t("reports.unit.m", { values: { m: Math.round(ms / M) } }) : t("reports.unit.ms2", { values: { m, s } });
  }
  if (ms < D) {
    const h = Math.floor(ms / H);
    const m = Math.round((ms - h * H) / M);
    return m === 0 ? t("reports.unit.h", { values: { h } }) : t("reports.unit.hm", { values: { h, m: m === 60 ? 59 : m } });
  }
  const d = Math.floor(ms / D);
  const h = Math.round((ms - d * D) / H);
  return h === 0 ? t("reports.unit.d", { values: { d } }) : t("reports.unit.dh", { values: { d, h: h === 24 ? 23 : h } });
}

/** Today's date ("2026-03-02") in an IANA zone. */
export function todayIn(timeZone: string, now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

const DAY = 86_400_000;
const dayNumber = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY;
const isoOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

export type Preset = "today" | "yesterday" | "last7" | "lastWeek" | "last30" | "thisMonth" | "lastMonth";
export const PRESETS: readonly Preset[] = ["today", "yesterday", "last7", "lastWeek", "last30", "thisMonth", "lastMonth"];

/** A preset period as workspace-local dates, both ends included. */
export function presetRange(preset: Preset, today: string): { from: string; to: string } {
  const d = dayNumber(today);
  const weekday = (((d + 3) % 7) + 7) % 7; // 0 = Monday
  switch (preset) {
    case "today":
      return { from: today, to: today };
    case "yesterday":
      return { from: isoOf(d - 1), to: isoOf(d - 1) };
    case "last7":
      return { from: isoOf(d - 6), to: today };
    case "lastWeek":
      return { from: isoOf(d - weekday - 7), to: isoOf(d - weekday - 1) };
    case "last30":
      return { from: isoOf(d - 29), to: today };
    case "thisMonth":
      return { from: `${today.slice(0, 8)}01`, to: today };
    case "lastMonth": {
      const firstThis = dayNumber(`${today.slice(0, 8)}01`);
      const last = isoOf(firstThis - 1);
      return { from: `${last.slice(0, 8)}01`, to: last };
    }
  }
}

/** How many days a range covers. */
export function rangeDays(range: { from: string; to: string }): number {
  return dayNumber(range.to) - dayNumber(range.from) + 1;
}
