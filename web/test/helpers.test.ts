import { describe, expect, it } from "vitest";
import { contactSubtitle, contactTitle, formatPhone } from "$lib/contact";
import { backoffDelay, eventsUrl } from "$lib/live.svelte";
import { fillTemplate, parameterCount, templateParts } from "$lib/templates.svelte";

describe("contact names", () => {
  const base = { id: "ct", name: null, waId: null, userId: null, username: null };

  it("prefers the name, then the number, then the @username", () => {
    expect(contactTitle({ ...base, name: "Yuki", waId: "819012345678" })).toBe("Yuki");
    expect(contactTitle({ ...base, waId: "819012345678", username: "yuki" })).toBe("+819012345678");
    expect(contactTitle({ ...base, username: "kenji_s" })).toBe("@kenji_s");
    expect(contactTitle(base)).toBeNull();
  });

  it("puts what the title left out underneath", () => {
    expect(contactSubtitle({ ...base, name: "Yuki", waId: "819012345678", username: "yuki" })).toBe("+819012345678 · @yuki");
    expect(contactSubtitle({ ...base, waId: "819012345678" })).toBeNull();
    expect(formatPhone("15551234567")).toBe("+15551234567");
  });
});

describe("templates", () => {
  it("count and fill {{n}} placeholders", () => {
    const body = "Hi {{1}}, your order {{2}} ships today. Thanks, {{1}}!";
    expect(parameterCount(body)).toBe(2);
    expect(fillTemplate(body, ["Ana", "#42"])).toBe("Hi Ana, your order #42 ships today. Thanks, Ana!");
    expect(fillTemplate(body, ["Ana"])).toBe("Hi Ana, your order {{2}} ships today. Thanks, Ana!");
    expect(templateParts("Hello World", [])).toEqual([{ kind: "text", text: "Hello World" }]);
  });
});

describe("live connection", () => {
  it("backs off exponentially with jitter, capped at 30 s", () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(3_000);
    expect(backoffDelay(20, () => 1)).toBe(30_000);
  });

  it("uses wss on https and ws on http, on the same host", () => {
    expect(eventsUrl({ protocol: "https:", host: "chorus.example.com" })).toBe("wss://chorus.example.com/api/events");
    expect(eventsUrl({ protocol: "http:", host: "localhost:8787" })).toBe("ws://localhost:8787/api/events");
  });
});
