/**
 * Issue 5: the rules Settings → Channels shows (a number's health, its label, what the edit form
 * sends) and the rules of the thread's message actions (when reply and react are offered, and the
 * business's own reaction replacing its previous one).
 */
import { describe, expect, it } from "vitest";
import { channelLabel } from "$lib/channels.svelte";
import { changesOf, formOf, formProblems, healthState, RECENT_ERROR_MS, tokenProblem, type ChannelSettings } from "$lib/settings/channels";
import { actionBlock, canQuote, canReact, ownReaction, withOwnReaction } from "$lib/components/message-actions/actions";

const NOW = Date.UTC(2026, 10, 25, 12);

function channel(over: Partial<ChannelSettings> = {}): ChannelSettings {
  return {
    id: "chn_1",
    phoneNumberId: "106540352242922",
    displayPhoneNumber: "15550783881",
    name: null,
    wabaId: null,
    hasOwnToken: false,
    defaultTeamId: null,
    messagesPerSecond: null,
    health: { lastWebhookAt: null, lastErrorAt: null, lastErrorCode: null, lastErrorTitle: null },
    createdAt: NOW - 1000,
    ...over,
  };
}

describe("a number's health", () => {
  it("is 'no webhook yet' until Meta calls, then healthy", () => {
    expect(healthState(channel().health, NOW)).toBe("no_webhook");
    expect(healthState(channel({ health: { lastWebhookAt: NOW - 5000, lastErrorAt: null, lastErrorCode: null, lastErrorTitle: null } }).health, NOW)).toBe("healthy");
  });

  it("shows an error reported in the last 24 hours, even while webhooks keep arriving", () => {
    const recent = { lastWebhookAt: NOW - 1000, lastErrorAt: NOW - 60_000, lastErrorCode: 131000, lastErrorTitle: "Something went wrong" };
    expect(healthState(recent, NOW)).toBe("error");
    expect(healthState({ ...recent, lastErrorAt: NOW - RECENT_ERROR_MS - 1 }, NOW)).toBe("healthy");
  });
});

describe("a number's label", () => {
  it("is its name, else its display number with +, else Meta's id", () => {
    expect(channelLabel({ name: "Support", displayPhoneNumber: "15550783881", phoneNumberId: "1065" })).toBe("Support");
    expect(channelLabel({ name: null, displayPhoneNumber: "15550783881", phoneNumberId: "1065" })).toBe("+15550783881");
    expect(channelLabel({ name: null, displayPhoneNumber: null, phoneNumberId: "1065" })).toBe("1065");
  });
});

describe("the channel form", () => {
  it("sends only what changed, empty fields as null", () => {
    const current = channel({ name: "Old", wabaId: "12345678", messagesPerSecond: 20 });
    const form = { ...formOf(current), name: " Sales line ", wabaId: "", rate: "" };
    expect(changesOf(current, form)).toEqual({ name: "Sales line", wabaId: null, messagesPerSecond: null });
    expect(changesOf(current, formOf(current))).toEqual({});
    expect(changesOf(current, { ...formOf(current), defaultTeamId: "team_a" })).toEqual({ defaultTeamId: "team_a" });
  });

  it("checks the server's rules before sending", () => {
    const ok = formOf(channel());
    expect(formProblems(ok)).toEqual([]);
    expect(formProblems({ ...ok, wabaId: "12a45" })).toEqual(["wabaId"]);
    expect(formProblems({ ...ok, rate: "0" })).toEqual(["rate"]);
    expect(formProblems({ ...ok, rate: "1001" })).toEqual(["rate"]);
    expect(formProblems({ ...ok, rate: "2.5" })).toEqual(["rate"]);
    expect(formProblems({ ...ok, name: "x".repeat(101) })).toEqual(["name"]);
    expect(tokenProblem("  ")).toBe("empty");
    expect(tokenProblem("EAAG-short")).toBe("short");
    expect(tokenProblem("EAAG-a-long-enough-system-user-token")).toBeNull();
  });
});

describe("message actions", () => {
  const me = { id: "usr_me" };
  it("are offered when the window is open and nobody else holds the thread", () => {
    expect(actionBlock({ assigneeId: null, assigneeName: null }, me, true)).toBeNull();
    expect(actionBlock({ assigneeId: "usr_me", assigneeName: "Me" }, me, true)).toBeNull();
    expect(actionBlock({ assigneeId: "usr_anna", assigneeName: "Anna" }, me, true)).toEqual({ reason: "locked", holder: "Anna" });
    expect(actionBlock({ assigneeId: null, assigneeName: null }, me, false)).toEqual({ reason: "window_closed" });
    expect(actionBlock({ assigneeId: null, assigneeName: null }, me, true, true)).toEqual({ reason: "gone" });
  });

  it("quote customer messages only; react to any message WhatsApp knows", () => {
    expect(canQuote({ direction: "in", wamid: "wamid.1", type: "text" })).toBe(true);
    expect(canQuote({ direction: "out", wamid: "wamid.2", type: "text" })).toBe(false);
    expect(canReact({ direction: "out", wamid: "wamid.2", type: "text" })).toBe(true);
    expect(canReact({ direction: "out", wamid: null, type: "text" })).toBe(false);
    expect(canReact({ direction: "internal", wamid: null, type: "note" })).toBe(false);
    expect(canReact({ direction: "in", wamid: "wamid.3", type: "system" })).toBe(false);
  });

  it("replace the business's reaction and keep the customer's; '' removes ours", () => {
    const customer = { emoji: "❤️", direction: "in" as const, at: 1 };
    const ours = withOwnReaction([customer, { emoji: "😂", direction: "out", at: 2 }], "👍", 3);
    expect(ours).toEqual([customer, { emoji: "👍", direction: "out", at: 3 }]);
    expect(ownReaction({ reactions: ours })).toBe("👍");
    expect(withOwnReaction(ours, "", 4)).toEqual([customer]);
    expect(ownReaction({ reactions: undefined })).toBeNull();
  });
});
