/**
 * The composer's pure helpers for outbound kinds (issue 5): the kind a file goes as and Meta's
 * limits (the very module the server checks with), interactive and location forms checked the way
 * the server's contract checks them, voice-note helpers, link detection, and the en/ja dictionary.
 */
import { IntlMessageFormat } from "intl-messageformat";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { InteractiveBody, LocationBody } from "../../worker/contracts/whatsapp";
import { isAnimatedWebp, typeForFile } from "../../worker/contracts/media-limits";
import { checkOutboundMedia, interactiveProblem } from "../../worker/whatsapp/outbound";
import { attachmentPreview, checkAttachment, kindForFile, takesCaption } from "$lib/components/composer/attachments";
import { buildInteractive, emptyDraft, isHttpsUrl, type InteractiveDraft } from "$lib/components/composer/interactive";
import { buildLocation, splitPair } from "$lib/components/composer/location";
import { hasLink } from "$lib/components/composer/links";
import { elapsed, microphoneProblem, OGG_RECORDING, recordingType, toOggOpus, WEBM_RECORDING } from "$lib/components/composer/voice";
import composerEn from "$lib/i18n/composer.en";
import composerJa from "$lib/i18n/composer.ja";

const MB = 1024 * 1024;
const file = (type: string, size: number, name = "f") => ({ name, type, size });

describe("attachments: the kind a file goes as, and Meta's limits", () => {
  it("picks the kind from the file's type; anything unknown goes as a document", () => {
    expect(kindForFile(file("image/jpeg", 10))).toBe("image");
    expect(kindForFile(file("image/png", 10))).toBe("image");
    expect(kindForFile(file("video/mp4", 10))).toBe("video");
    expect(kindForFile(file("audio/ogg", 10))).toBe("audio");
    expect(kindForFile(file("audio/mpeg", 10))).toBe("audio");
    expect(kindForFile(file("application/pdf", 10))).toBe("document");
    expect(kindForFile(file("application/zip", 10))).toBe("document");
    expect(kindForFile(file("", 10, "notes"))).toBe("document");
    expect(kindForFile(file("image/webp", 100 * 1024))).toBe("sticker");
    // WhatsApp has no WebP image kind: a large WebP goes as a document rather than failing.
    expect(kindForFile(file("image/webp", 600 * 1024))).toBe("document");
  });

  it("checks the server's numbers and says which limit, in a sentence key with values", () => {
    expect(checkAttachment(file("image/jpeg", 5 * MB))).toEqual({ ok: true, kind: "image" });
    expect(checkAttachment(file("image/jpeg", 5 * MB + 1))).toEqual({ ok: false, problem: { key: "outbound.attach.tooLarge.image", values: { limit: "5 MB" } } });
    expect(checkAttachment(file("video/mp4", 16 * MB + 1))).toMatchObject({ ok: false, problem: { key: "outbound.attach.tooLarge.video", values: { limit: "16 MB" } } });
    expect(checkAttachment(file("application/pdf", 100 * MB + 1))).toMatchObject({ ok: false, problem: { values: { limit: "100 MB" } } });
    expect(checkAttachment(file("image/webp", 600 * 1024), "sticker")).toMatchObject({ ok: false, problem: { values: { limit: "500 KB" } } });
    expect(checkAttachment(file("image/gif", 10), "image")).toEqual({ ok: false, problem: { key: "outbound.attach.unsupported.image", values: { type: "image/gif" } } });
    expect(checkAttachment(file("image/png", 0))).toEqual({ ok: false, problem: { key: "outbound.attach.empty" } });
    // A PNG may go as a document (the agent's "send as a document").
    expect(checkAttachment(file("image/png", 7 * MB), "document")).toEqual({ ok: true, kind: "document" });
  });

  it("documents only in the types WhatsApp takes; a file without a type is named by its extension", () => {
    expect(checkAttachment(file("application/zip", 10, "a.zip"))).toEqual({ ok: false, problem: { key: "outbound.attach.unsupported.document", values: { type: "application/zip" } } });
    expect(checkAttachment(file("", 10, "notes"))).toMatchObject({ ok: false, problem: { key: "outbound.attach.unsupported.document" } });
    expect(checkAttachment(file("text/plain", 10))).toEqual({ ok: true, kind: "document" });
    expect(checkAttachment(file("application/vnd.ms-powerpoint", 10))).toEqual({ ok: true, kind: "document" });
    expect(checkAttachment(file("", 10, "Prices.XLSX"))).toEqual({ ok: true, kind: "document" });
    expect(checkAttachment(file("application/octet-stream", 10, "deck.pptx"))).toEqual({ ok: true, kind: "document" });
    expect(typeForFile("", "letter.docx")).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(typeForFile("application/octet-stream", "a.bin")).toBe("application/octet-stream");
    expect(typeForFile("image/png", "a.pdf")).toBe("image/png");
    // A large WebP goes as a document rather than failing: WebP is a type WhatsApp uploads.
    expect(checkAttachment(file("image/webp", 600 * 1024))).toEqual({ ok: true, kind: "document" });
  });

  it("stickers: 100 KB static, 500 KB animated; the composer, not reading the bytes, checks the larger", () => {
    expect(checkOutboundMedia("image/webp", 150 * 1024, "sticker", false)).toMatchObject({ ok: false, code: "media_too_large", maxBytes: 100 * 1024 });
    expect(checkOutboundMedia("image/webp", 150 * 1024, "sticker", true)).toEqual({ ok: true, kind: "sticker" });
    expect(checkAttachment(file("image/webp", 150 * 1024))).toEqual({ ok: true, kind: "sticker" });
    const riff = (...chunks: Array<[string, number[]]>) => {
      const body = chunks.flatMap(([fourcc, data]) => [...fourcc].map((c) => c.charCodeAt(0)).concat([data.length, 0, 0, 0], data, data.length % 2 ? [0] : []));
      return new Uint8Array([..."RIFF"].map((c) => c.charCodeAt(0)).concat([body.length + 4, 0, 0, 0], [..."WEBP"].map((c) => c.charCodeAt(0)), body));
    };
    expect(isAnimatedWebp(riff(["VP8X", [0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0]]))).toBe(true);
    expect(isAnimatedWebp(riff(["VP8X", [0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]], ["ICCP", [1, 2, 3]], ["ANIM", [0, 0, 0, 0, 0, 0]]))).toBe(true);
    expect(isAnimatedWebp(riff(["VP8X", [0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]], ["ALPH", [1]], ["VP8 ", [1, 2]]))).toBe(false);
    expect(isAnimatedWebp(riff(["VP8L", [1, 2, 3, 4]]))).toBe(false);
    expect(isAnimatedWebp(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(false);
    expect(isAnimatedWebp(new Uint8Array(0))).toBe(false);
  });

  it("agrees with the server's check on every kind and size edge", () => {
    const cases = [
      ["image/jpeg", 5 * MB],
      ["image/jpeg", 5 * MB + 1],
      ["video/3gpp", 16 * MB + 1],
      ["audio/aac", 16 * MB],
      ["image/webp", 500 * 1024 + 1],
      ["text/html", 100],
      ["application/pdf", 0],
      ["application/zip", 10],
      ["application/msword", 10],
    ] as const;
    for (const [type, size] of cases) {
      expect(checkAttachment(file(type, size)).ok, `${type} ${size}`).toBe(checkOutboundMedia(type, size, kindForFile(file(type, size))).ok);
    }
  });

  it("captions go with images, videos and documents only; the pending bubble names the file", () => {
    expect([takesCaption("image"), takesCaption("video"), takesCaption("document")]).toEqual([true, true, true]);
    expect([takesCaption("audio"), takesCaption("sticker")]).toEqual([false, false]);
    expect(attachmentPreview("image", "cat.png", "Our shop")).toBe("📷 cat.png — Our shop");
    expect(attachmentPreview("audio", "Voice note", "", true)).toBe("🎤 Voice note");
  });
});

/** What the server says of a body: its contract and Meta's rules the contract cannot express. */
function serverAccepts(body: unknown): boolean {
  const parsed = v.safeParse(InteractiveBody, body);
  return parsed.success && interactiveProblem(parsed.output) === null;
}

function draft(type: InteractiveDraft["type"], patch: Partial<InteractiveDraft>): InteractiveDraft {
  return { ...emptyDraft(type), ...patch };
}

describe("interactive forms, checked as the server checks them", () => {
  it("builds reply buttons with generated ids; every body it builds, the server accepts", () => {
    const result = buildInteractive(draft("button", { header: " Delivery ", body: "Pick a day", buttons: ["Today", "  ", "Tomorrow"] }));
    expect(result).toEqual({
      ok: true,
      body: { type: "button", header: "Delivery", body: "Pick a day", buttons: [{ id: "btn_1", title: "Today" }, { id: "btn_2", title: "Tomorrow" }] },
    });
    expect(serverAccepts(result.ok && result.body)).toBe(true);
  });

  it("refuses what Meta refuses: 21-character buttons, four buttons, none, duplicates, no body", () => {
    const keys = (d: InteractiveDraft) => {
      const r = buildInteractive(d);
      return r.ok ? [] : r.problems.map((p) => `${p.field}:${p.key}`);
    };
    expect(keys(draft("button", { body: "x", buttons: ["a".repeat(21)] }))).toEqual(["buttons.0:outbound.interactive.tooLong"]);
    expect(keys(draft("button", { body: "x", buttons: ["a", "b", "c", "d"] }))).toEqual(["buttons:outbound.interactive.tooManyButtons"]);
    expect(keys(draft("button", { body: "x", buttons: ["", ""] }))).toEqual(["buttons:outbound.interactive.needButton"]);
    expect(keys(draft("button", { body: "x", buttons: ["Yes", "yes"] }))).toEqual(["buttons:outbound.interactive.duplicate"]);
    expect(keys(draft("button", { body: " ", buttons: ["Yes"] }))).toEqual(["body:outbound.interactive.required"]);
    expect(keys(draft("button", { body: "x", header: "h".repeat(61), footer: "f".repeat(61), buttons: ["Yes"] }))).toEqual([
      "header:outbound.interactive.tooLong",
      "footer:outbound.interactive.tooLong",
    ]);
    // Each of those bodies, sent as typed, the server refuses too.
    expect(serverAccepts({ type: "button", body: "x", buttons: [{ id: "1", title: "a".repeat(21) }] })).toBe(false);
    expect(serverAccepts({ type: "button", body: "x", buttons: ["a", "b", "c", "d"].map((t) => ({ id: t, title: t })) })).toBe(false);
    expect(serverAccepts({ type: "button", body: "x" })).toBe(false);
    expect(serverAccepts({ type: "button", body: "x", header: "h".repeat(61), buttons: [{ id: "1", title: "a" }] })).toBe(false);
  });

  it("builds a list (sections, rows with descriptions) the server accepts, and counts rows across sections", () => {
    const ok = buildInteractive(
      draft("list", {
        body: "Which size?",
        listButton: "Sizes",
        sections: [
          { title: "Tops", rows: [{ title: "Medium", description: "Chest 96 cm" }, { title: "Large", description: "" }] },
          { title: "Shoes", rows: [{ title: "42", description: "" }] },
        ],
      }),
    );
    expect(ok.ok).toBe(true);
    expect(ok.ok && ok.body.sections).toEqual([
      { title: "Tops", rows: [{ id: "row_1", title: "Medium", description: "Chest 96 cm" }, { id: "row_2", title: "Large" }] },
      { title: "Shoes", rows: [{ id: "row_3", title: "42" }] },
    ]);
    expect(serverAccepts(ok.ok && ok.body)).toBe(true);

    const eleven = buildInteractive(
      draft("list", { body: "x", listButton: "Pick", sections: [{ title: "", rows: Array.from({ length: 11 }, (_, i) => ({ title: `Row ${i}`, description: "" })) }] }),
    );
    expect(eleven.ok ? [] : eleven.problems.map((p) => p.key)).toEqual(["outbound.interactive.tooManyRows"]);
    expect(serverAccepts({ type: "list", body: "x", listButton: "Pick", sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }] })).toBe(false);

    const long = buildInteractive(draft("list", { body: "x", listButton: "", sections: [{ title: "", rows: [{ title: "t".repeat(25), description: "d".repeat(73) }] }] }));
    expect(long.ok ? [] : long.problems.map((p) => p.field)).toEqual(["listButton", "sections.0.rows.0.title", "sections.0.rows.0.description"]);
  });

  it("builds a call-to-action link only for a full https URL", () => {
    const ok = buildInteractive(draft("cta_url", { body: "Track your order", ctaText: "Track", ctaUrl: "https://example.com/track?o=1" }));
    expect(ok).toEqual({ ok: true, body: { type: "cta_url", body: "Track your order", cta: { displayText: "Track", url: "https://example.com/track?o=1" } } });
    expect(serverAccepts(ok.ok && ok.body)).toBe(true);
    for (const url of ["example.com", "javascript:alert(1)", "ftp://example.com", "http://example.com"]) {
      const r = buildInteractive(draft("cta_url", { body: "x", ctaText: "Go", ctaUrl: url }));
      expect(r.ok, url).toBe(false);
    }
    // Chorus is stricter than the server here on purpose: http links are refused in the composer.
    expect(isHttpsUrl("https://shop.example/x")).toBe(true);
    expect(serverAccepts({ type: "cta_url", body: "x", cta: { displayText: "Go", url: "javascript:alert(1)" } })).toBe(false);
  });
});

describe("location form", () => {
  it("takes coordinates in range (a comma decimal too) and leaves out empty name and address", () => {
    const ok = buildLocation({ latitude: "35.6812", longitude: "139,7671", name: " Tokyo Station ", address: "" });
    expect(ok).toEqual({ ok: true, body: { latitude: 35.6812, longitude: 139.7671, name: "Tokyo Station" } });
    expect(v.safeParse(LocationBody, ok.ok && ok.body).success).toBe(true);
  });

  it("refuses what is out of range or not a number", () => {
    const fields = (lat: string, lng: string) => {
      const r = buildLocation({ latitude: lat, longitude: lng, name: "", address: "" });
      return r.ok ? [] : r.problems.map((p) => p.field);
    };
    expect(fields("91", "0")).toEqual(["latitude"]);
    expect(fields("-90", "-181")).toEqual(["longitude"]);
    expect(fields("north", "")).toEqual(["latitude", "longitude"]);
    expect(fields("-90", "180")).toEqual([]);
    expect(v.safeParse(LocationBody, { latitude: 91, longitude: 0 }).success).toBe(false);
  });

  it("splits a pair pasted from a map", () => {
    expect(splitPair("35.6812, 139.7671")).toEqual({ latitude: "35.6812", longitude: "139.7671" });
    expect(splitPair("-33.86 151.21")).toEqual({ latitude: "-33.86", longitude: "151.21" });
    expect(splitPair("35.6812")).toBeNull();
  });
});

describe("voice notes and link previews", () => {
  it("records Ogg Opus where the browser can (Firefox), else WebM Opus (Chromium), else nothing", () => {
    expect(recordingType((t) => t === OGG_RECORDING || t === WEBM_RECORDING)).toBe(OGG_RECORDING);
    expect(recordingType((t) => t === WEBM_RECORDING)).toBe(WEBM_RECORDING);
    expect(recordingType(() => false)).toBeNull();
  });

  it("keeps an Ogg recording as it is (no remux)", async () => {
    const ogg = new Blob([new TextEncoder().encode("OggS-rest")], { type: "audio/ogg;codecs=opus" });
    const out = await toOggOpus(ogg);
    expect(out.type).toBe("audio/ogg; codecs=opus");
    expect(await out.text()).toBe("OggS-rest");
  });

  it("shows elapsed time and names why the microphone failed", () => {
    expect(elapsed(7_400)).toBe("0:07");
    expect(elapsed(83_000)).toBe("1:23");
    expect(microphoneProblem(new DOMException("no", "NotAllowedError"))).toBe("outbound.voice.denied");
    expect(microphoneProblem(new DOMException("none", "NotFoundError"))).toBe("outbound.voice.noMicrophone");
    expect(microphoneProblem(new DOMException("busy", "NotReadableError"))).toBe("outbound.voice.busy");
    expect(microphoneProblem(new Error("?"))).toBe("outbound.voice.failed");
  });

  it("asks for a link preview only when the reply holds a link", () => {
    expect(hasLink("See https://example.com/a")).toBe(true);
    expect(hasLink("see www.example.com")).toBe(true);
    expect(hasLink("No link here. Version 1.2")).toBe(false);
  });
});

describe("the composer dictionary", () => {
  const leaves = (dict: object, prefix = ""): [string, string][] =>
    Object.entries(dict).flatMap(([key, value]) => (typeof value === "string" ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value as object, `${prefix}${key}.`)));

  it("has the same keys in English and Japanese, all valid ICU messages", () => {
    expect(leaves(composerJa).map(([k]) => k).sort()).toEqual(leaves(composerEn).map(([k]) => k).sort());
    const values = { kind: "Image", limit: "5 MB", type: "image/gif", name: "Aiko", percent: 40, n: 1, max: 20 };
    for (const [lang, dict] of [["en", composerEn], ["ja", composerJa]] as const) {
      for (const [key, message] of leaves(dict)) {
        expect(() => new IntlMessageFormat(message, lang, undefined, { ignoreTag: true }).format(values), `${lang}:${key}`).not.toThrow();
      }
    }
  });

  it("has a sentence for every problem key the helpers produce", () => {
    const keys = new Set(leaves(composerEn).map(([k]) => k));
    for (const kind of ["image", "video", "audio", "document", "sticker"]) {
      expect(keys.has(`outbound.attach.tooLarge.${kind}`)).toBe(true);
      expect(keys.has(`outbound.attach.unsupported.${kind}`)).toBe(true);
    }
    for (const k of ["required", "tooLong", "needButton", "tooManyButtons", "needRow", "tooManySections", "tooManyRows", "duplicate", "httpsUrl"]) {
      expect(keys.has(`outbound.interactive.${k}`), k).toBe(true);
    }
    for (const k of ["denied", "noMicrophone", "busy", "failed", "unsupported", "convertFailed"]) expect(keys.has(`outbound.voice.${k}`), k).toBe(true);
  });
});
