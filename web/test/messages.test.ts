import { describe, expect, it } from "vitest";
import type { Message } from "$lib/api";
import { byTimestamp, mergeMessage } from "$lib/thread.svelte";

function message(patch: Partial<Message>): Message {
  return {
    id: "m1",
    conversationId: "c1",
    seq: 1,
    wamid: "wamid.1",
    direction: "out",
    type: "text",
    text: "hi",
    template: null,
    timestamp: 1_000,
    status: "sent",
    error: null,
    author: { id: "u1", name: "Aiko" },
    ...patch,
  };
}

describe("mergeMessage", () => {
  it("moves a status forward", () => {
    expect(mergeMessage(message({ status: "sent" }), message({ status: "read" })).status).toBe("read");
  });

  it("never moves a status backwards when events overtake each other", () => {
    expect(mergeMessage(message({ status: "read" }), message({ status: "delivered" })).status).toBe("read");
  });

  it("keeps failed final, with its error", () => {
    const error = { code: 131026, title: "Undeliverable", message: "Could not deliver.", reason: "undeliverable" };
    const merged = mergeMessage(message({ status: "failed", error }), message({ status: "delivered" }));
    expect(merged.status).toBe("failed");
    expect(merged.error).toEqual(error);
  });
});

describe("byTimestamp", () => {
  it("orders by Meta's timestamp, then by arrival", () => {
    const list = [
      message({ id: "late-arrival-early-time", seq: 3, timestamp: 500 }),
      message({ id: "b", seq: 2, timestamp: 1_000 }),
      message({ id: "a", seq: 1, timestamp: 1_000 }),
    ];
    expect(list.sort(byTimestamp).map((m) => m.id)).toEqual(["late-arrival-early-time", "a", "b"]);
  });
});
