// Reports' pure logic: durations in both languages, preset periods in the workspace's calendar,
// the live-event guard, and the reports dictionaries (same keys and placeholders, valid ICU).
import { get } from "svelte/store";
import { IntlMessageFormat } from "intl-messageformat";
import { beforeAll, describe, expect, it } from "vitest";
import { init, locale } from "svelte-i18n";
import { _, type Translate } from "$lib/i18n";
import "$lib/i18n/reports"; // the page-level dictionary, as its pages register it
import reportsEn from "$lib/i18n/reports.en";
import reportsJa from "$lib/i18n/reports.ja";
import { formatDuration, presetRange, rangeDays, todayIn } from "$lib/reports/format";
import { isMetricsEvent } from "$lib/reports/live.svelte";

function leaves(dict: object, prefix = ""): [string, string][] {
  return Object.entries(dict).flatMap(([key, value]) =>
    typeof value === "string" ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value as object, `${prefix}${key}.`),
  );
}

function t(lang: "en" | "ja"): Translate {
  void locale.set(lang);
  return get(_) as Translate;
}

beforeAll(() => {
  init({ fallbackLocale: "en", initialLocale: "en", ignoreTag: true });
});

describe("formatDuration", () => {
  it("reads naturally in English and Japanese", () => {
    const en = t("en");
    expect(formatDuration(null, en)).toBe("—");
    expect(formatDuration(400, en)).toBe("under a second");
    expect(formatDuration(0, en)).toBe("0 s");
    expect(formatDuration(42_000, en)).toBe("42 s");
    expect(formatDuration(95_000, en)).toBe("1 min 35 s");
    expect(formatDuration(25 * 60_000, en)).toBe("25 min");
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000, en)).toBe("3 h 5 min");
    expect(formatDuration(26 * 3_600_000, en)).toBe("1 d 2 h");
    const ja = t("ja");
    expect(formatDuration(95_000, ja)).toBe("1分35秒");
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000, ja)).toBe("3時間5分");
    expect(formatDuration(26 * 3_600_000, ja)).toBe("1日2時間");
  });
});

describe("periods", () => {
  it("turns presets into local dates, both ends included", () => {
    // 2026-03-11 is a Wednesday.
    expect(presetRange("today", "2026-03-11")).toEqual({ from: "2026-03-11", to: "2026-03-11" });
    expect(presetRange("yesterday", "2026-03-01")).toEqual({ from: "2026-02-28", to: "2026-02-28" });
    expect(presetRange("last7", "2026-03-11")).toEqual({ from: "2026-03-05", to: "2026-03-11" });
    expect(presetRange("lastWeek", "2026-03-11")).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    expect(presetRange("lastWeek", "2026-03-09")).toEqual({ from: "2026-03-02", to: "2026-03-08" });
    expect(presetRange("lastWeek", "2026-03-08")).toEqual({ from: "2026-02-23", to: "2026-03-01" });
    expect(presetRange("thisMonth", "2026-03-11")).toEqual({ from: "2026-03-01", to: "2026-03-11" });
    expect(presetRange("lastMonth", "2026-03-11")).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(rangeDays(presetRange("last30", "2026-03-11"))).toBe(30);
  });

  it("knows today in the workspace's zone", () => {
    const instant = new Date(Date.UTC(2026, 2, 11, 23, 30));
    expect(todayIn("UTC", instant)).toBe("2026-03-11");
    expect(todayIn("Asia/Tokyo", instant)).toBe("2026-03-12");
    expect(todayIn("America/Los_Angeles", instant)).toBe("2026-03-11");
  });
});

describe("the live event guard", () => {
  it("accepts metrics.updated with a snapshot and nothing else", () => {
    expect(isMetricsEvent({ type: "metrics.updated", live: { at: 1, agents: [] } })).toBe(true);
    expect(isMetricsEvent({ type: "metrics.updated" })).toBe(false);
    expect(isMetricsEvent({ type: "message.created", live: { at: 1, agents: [] } })).toBe(false);
    expect(isMetricsEvent(null)).toBe(false);
  });
});

describe("the reports dictionaries", () => {
  it("have the same keys and placeholders in English and Japanese, and every message parses", () => {
    const en = Object.fromEntries(leaves(reportsEn));
    const ja = Object.fromEntries(leaves(reportsJa));
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en)) {
      expect(placeholders(ja[key]!), key).toEqual(placeholders(en[key]!));
      expect(() => new IntlMessageFormat(en[key]!, "en")).not.toThrow();
      expect(() => new IntlMessageFormat(ja[key]!, "ja")).not.toThrow();
    }
  });
});
