import { describe, expect, it } from "vitest";
import { linkify } from "$lib/linkify";

describe("linkify", () => {
  it("keeps plain text as one text token", () => {
    expect(linkify("hello there")).toEqual([{ kind: "text", text: "hello there" }]);
  });

  it("links http and https, leaving the sentence's punctuation outside", () => {
    expect(linkify("See https://example.com/p/42. Or http://a.test?x=1!")).toEqual([
      { kind: "text", text: "See " },
      { kind: "link", text: "https://example.com/p/42", href: "https://example.com/p/42" },
      { kind: "text", text: ". Or " },
      { kind: "link", text: "http://a.test?x=1", href: "http://a.test/?x=1" },
      { kind: "text", text: "!" },
    ]);
  });

  it("drops a closing bracket that belongs to the sentence, keeps one that belongs to the link", () => {
    expect(linkify("(see https://example.com/a)")[1]).toEqual({
      kind: "link",
      text: "https://example.com/a",
      href: "https://example.com/a",
    });
    expect(linkify("https://en.wikipedia.org/wiki/Foo_(bar)")[0]).toMatchObject({
      kind: "link",
      text: "https://en.wikipedia.org/wiki/Foo_(bar)",
    });
  });

  it("links mailto: and tel:", () => {
    const tokens = linkify("mailto:oliver@example.com or tel:+447700900123");
    expect(tokens.filter((t) => t.kind === "link").map((t) => t.kind === "link" && t.href)).toEqual([
      "mailto:oliver@example.com",
      "tel:+447700900123",
    ]);
  });

  it("never links other schemes: javascript:, data:, vbscript:, file:", () => {
    for (const text of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(document.cookie)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
    ]) {
      expect(linkify(text)).toEqual([{ kind: "text", text }]);
    }
  });

  it("keeps markup as text (the component renders text nodes, never HTML)", () => {
    expect(linkify('<img src=x onerror="alert(1)">')).toEqual([{ kind: "text", text: '<img src=x onerror="alert(1)">' }]);
  });

  it("stops a link at Japanese punctuation", () => {
    expect(linkify("詳細はhttps://example.jp/a。ありがとう")).toEqual([
      { kind: "text", text: "詳細は" },
      { kind: "link", text: "https://example.jp/a", href: "https://example.jp/a" },
      { kind: "text", text: "。ありがとう" },
    ]);
  });

  it("does not link a scheme with no host", () => {
    expect(linkify("try https:// later")).toEqual([{ kind: "text", text: "try https:// later" }]);
  });
});
