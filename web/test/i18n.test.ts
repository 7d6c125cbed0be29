import { get } from "svelte/store";
import { IntlMessageFormat } from "intl-messageformat";
import { beforeAll, describe, expect, it } from "vitest";
import { init, locale } from "svelte-i18n";
import { _, matchLanguage, type Translate } from "$lib/i18n";
import en from "$lib/i18n/en";
import ja from "$lib/i18n/ja";
import { errorText, failureText, formatDuration, freeEntryCountdown, relativeTime, windowCountdown } from "$lib/i18n/format";
import { explainMetaError, KNOWN_ERROR_CODES as KNOWN_META_CODES } from "../../worker/whatsapp/error-sentences";

const HOUR = 3_600_000;
const MINUTE = 60_000;

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

describe("dictionaries", () => {
  it("have the same keys in English and Japanese", () => {
    expect(leaves(ja).map(([k]) => k).sort()).toEqual(leaves(en).map(([k]) => k).sort());
  });

  it("are all valid ICU messages", () => {
    const values = { count: 2, n: 3, h: 1, m: 5, name: "Aiko", q: "x", time: "1 h", type: "image", language: "en", role: "Agent", email: "a@b.c" };
    for (const [lang, dict] of [["en", en], ["ja", ja]] as const) {
      for (const [key, message] of leaves(dict)) {
        expect(() => new IntlMessageFormat(message, lang, undefined, { ignoreTag: true }).format(values), `${lang}:${key}`).not.toThrow();
      }
    }
  });

  it("quote the template placeholder braces", () => {
    expect(t("en")("templates.parameter", { values: { n: 1 } })).toBe("Value for {{1}}");
    expect(t("ja")("templates.parameter", { values: { n: 2 } })).toBe("{{2}} に入れる値");
  });
});

describe("window countdown", () => {
  const now = 1_800_000_000_000;

  it("counts down in hours and minutes", () => {
    expect(windowCountdown(t("en"), now + 3 * HOUR + 12 * MINUTE + 5_000, now)).toBe("closes in 3 h 12 m");
    expect(windowCountdown(t("ja"), now + 3 * HOUR + 12 * MINUTE, now)).toBe("残り 3時間12分");
  });

  it("says closed when the end is past or the window never opened", () => {
    expect(windowCountdown(t("en"), now - 1, now)).toBe("window closed");
    expect(windowCountdown(t("en"), null, now)).toBe("window closed");
    expect(windowCountdown(t("ja"), null, now)).toBe("返信期間終了");
  });

  it("shows under a minute and whole hours plainly", () => {
    expect(formatDuration(t("en"), 30_000)).toBe("< 1 m");
    expect(formatDuration(t("en"), 2 * HOUR)).toBe("2 h");
    expect(formatDuration(t("ja"), 45 * MINUTE)).toBe("45分");
  });
});

describe("relative time", () => {
  const now = 1_800_000_000_000;
  it("is short and translated", () => {
    expect(relativeTime(t("en"), "en", now - 10_000, now)).toBe("now");
    expect(relativeTime(t("en"), "en", now - 5 * MINUTE, now)).toBe("5 m");
    expect(relativeTime(t("ja"), "ja", now - 3 * HOUR, now)).toBe("3時間前");
  });
});

describe("error sentences", () => {
  it("translate known codes", () => {
    expect(errorText(t("en"), { code: "window_closed", message: "server words" })).toMatch(/24-hour window is closed/);
    expect(errorText(t("ja"), { code: "network" })).toMatch(/接続できません/);
    expect(errorText(t("en"), { code: "internal_error", message: "x" })).toMatch(/on our side/);
  });

  it("name the holder of a reply lock", () => {
    expect(errorText(t("en"), { code: "locked", message: "Ken is replying", details: { holder: { id: "u2", name: "Ken" } } })).toBe(
      "Ken is replying to this conversation right now.",
    );
    expect(errorText(t("ja"), { code: "locked" }, { lockHolder: "Ken" })).toBe("現在、Ken さんがこの会話に返信しています。");
  });

  it("fall back to the server's message for a code we don't know", () => {
    expect(errorText(t("ja"), { code: "brand_new_code", message: "Server sentence." })).toBe("Server sentence.");
  });

  it("translate every reason of Meta's error table, wherever its sentence lives (en.ts or whatsapp.en.ts)", () => {
    // The server's table (worker/whatsapp/error-sentences.ts) names each code's reason; a Japanese
    // agent must get Japanese for each of them, never the server's English sentence.
    const reasons = new Set([...KNOWN_META_CODES, 132999, 133999].map((code) => explainMetaError(code, "Meta's title").reason));
    for (const reason of reasons) {
      if (reason === "whatsapp_error") continue; // an unmapped code: the server's sentence names Meta's title
      const ja = failureText(t("ja"), { reason, message: "ENGLISH FALLBACK" });
      expect(ja, reason).not.toBe("ENGLISH FALLBACK");
      expect(ja, reason).not.toBe(`failure.${reason}`);
      expect(ja, reason).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
  });

  it("translate a delivery failure by reason, else keep the server's sentence", () => {
    expect(failureText(t("ja"), { reason: "undeliverable", message: "English" })).toMatch(/配信できませんでした/);
    expect(failureText(t("en"), { reason: "whatsapp_error", message: "WhatsApp refused this message: X." })).toBe(
      "WhatsApp refused this message: X.",
    );
  });
});

describe("the free entry point window", () => {
  it("counts down while it lasts, in both languages, and is gone before and after", () => {
    const now = Date.UTC(2026, 10, 25, 12);
    expect(freeEntryCountdown(t("en"), now + 72 * HOUR - MINUTE, now)).toBe("free for 71 h 59 m");
    expect(freeEntryCountdown(t("ja"), now + 2 * HOUR, now)).toMatch(/^無料期間 残り 2時間/);
    expect(freeEntryCountdown(t("en"), now - 1, now)).toBeNull();
    expect(freeEntryCountdown(t("en"), null, now)).toBeNull();
    expect(freeEntryCountdown(t("en"), undefined, now)).toBeNull();
  });
});

describe("matchLanguage", () => {
  it("maps browser tags to the languages we speak", () => {
    expect(matchLanguage("ja-JP")).toBe("ja");
    expect(matchLanguage("en_GB")).toBe("en");
    expect(matchLanguage("fr-FR")).toBeNull();
  });
});
