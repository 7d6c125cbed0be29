import { get } from "svelte/store";
import { IntlMessageFormat } from "intl-messageformat";
import { beforeAll, describe, expect, it } from "vitest";
import { init, locale } from "svelte-i18n";
import { activityText, notificationText } from "$lib/activity";
import type { ConversationSummary, Notification } from "$lib/api";
import { activeFilterCount, fromViewFilters, listQuery, matchesList, toViewFilters } from "$lib/conversations.svelte";
import { highlightSegments } from "$lib/highlight";
import { _, type Translate } from "$lib/i18n";
import inboxEn from "$lib/i18n/inbox.en";
import inboxJa from "$lib/i18n/inbox.ja";
import { findTrigger, mentionToken, rankByName, replaceTrigger } from "$lib/mentions";
import { matchQuickReplies } from "$lib/quick-replies.svelte";
import { isTypingTarget, shortcutFor } from "$lib/shortcuts";
import { parseLocalDateTime, snoozeUntil, toLocalDateTime } from "$lib/snooze";
import { holderFromActivity, lockHolderOf } from "$lib/thread.svelte";

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

describe("inbox dictionaries", () => {
  it("have the same keys in English and Japanese", () => {
    expect(leaves(inboxJa).map(([k]) => k).sort()).toEqual(leaves(inboxEn).map(([k]) => k).sort());
  });

  it("are valid ICU messages with every placeholder filled", () => {
    const values = { count: 2, n: 3, name: "Aiko", q: "x", time: "9:00", view: "Mine", language: "English", actor: "Anna", assignee: "Ben", previous: "Cleo", team: "Support", category: "Spam", note: "n", episode: 2, contact: "Sato", ok: 1, reason: "r" };
    for (const [lang, dict] of [["en", inboxEn], ["ja", inboxJa]] as const) {
      for (const [key, message] of leaves(dict)) {
        const out = new IntlMessageFormat(message, lang, undefined, { ignoreTag: true }).format(values) as string;
        expect(out, `${lang}:${key}`).not.toMatch(/\{\w+\}/);
      }
    }
  });
});

describe("search snippets", () => {
  it("split text into marked and plain segments by the highlight ranges", () => {
    expect(highlightSegments("Where is my invoice?", [{ start: 12, end: 19 }])).toEqual([
      { text: "Where is my ", mark: false },
      { text: "invoice", mark: true },
      { text: "?", mark: false },
    ]);
  });

  it("keep markup in customer text as text and survive bad ranges", () => {
    const text = "<img src=x onerror=alert(1)> invoice";
    const segments = highlightSegments(text, [{ start: 29, end: 36 }, { start: 30, end: 33 }, { start: -5, end: 0 }, { start: 50, end: 10 }]);
    expect(segments.map((s) => s.text).join("")).toBe(text);
    expect(segments.filter((s) => s.mark)).toEqual([{ text: "invoice", mark: true }]);
  });
});

describe("snooze presets", () => {
  // Wednesday 2026-11-25 14:30 local time.
  const now = new Date(2026, 10, 25, 14, 30).getTime();
  it("are an hour later, tomorrow at 9:00 and next Monday at 9:00", () => {
    expect(snoozeUntil("hour", now)).toBe(now + 3_600_000);
    expect(new Date(snoozeUntil("tomorrow", now))).toEqual(new Date(2026, 10, 26, 9, 0));
    expect(new Date(snoozeUntil("nextWeek", now))).toEqual(new Date(2026, 10, 30, 9, 0));
    // On a Monday, next week is the Monday after.
    expect(new Date(snoozeUntil("nextWeek", new Date(2026, 10, 30, 8).getTime()))).toEqual(new Date(2026, 11, 7, 9, 0));
  });

  it("read and write datetime-local values in local time", () => {
    expect(parseLocalDateTime(toLocalDateTime(now))).toBe(now);
    expect(parseLocalDateTime("")).toBeNull();
    expect(parseLocalDateTime("tomorrow")).toBeNull();
  });
});

describe("composer autocomplete", () => {
  it("finds a mention after a space but not inside an e-mail address", () => {
    expect(findTrigger("Ask @An", 7)).toEqual({ kind: "mention", query: "An", start: 4, end: 7 });
    expect(findTrigger("mail a@b", 8)).toBeNull();
    expect(findTrigger("@", 1)).toEqual({ kind: "mention", query: "", start: 0, end: 1 });
  });

  it("finds a quick reply only at the start", () => {
    expect(findTrigger("/gre", 4)).toEqual({ kind: "quick", query: "gre", start: 0, end: 4 });
    expect(findTrigger("a /gre", 6)).toBeNull();
  });

  it("writes names with spaces the way the server parses them", () => {
    expect(mentionToken("Anna")).toBe("@Anna");
    expect(mentionToken("Anna Sato")).toBe('@"Anna Sato"');
    const replaced = replaceTrigger("Ask @An now", { kind: "mention", query: "An", start: 4, end: 7 }, '@"Anna Sato"');
    expect(replaced).toEqual({ text: 'Ask @"Anna Sato" now', caret: 16 });
  });

  it("ranks names starting with the query first", () => {
    const people = [{ name: "Joanna" }, { name: "Anna Sato" }, { name: "Ben" }, { name: "Sato Anne" }];
    expect(rankByName(people, "an").map((p) => p.name)).toEqual(["Anna Sato", "Sato Anne", "Joanna"]);
  });

  it("matches quick replies by shortcut, personal before shared, then by text", () => {
    const base = { createdAt: 0, updatedAt: 0 };
    const replies = [
      { ...base, id: "1", shortcut: "greet", text: "Hello", shared: true },
      { ...base, id: "2", shortcut: "greet", text: "Hi", shared: false },
      { ...base, id: "3", shortcut: "bye", text: "Have a great day", shared: true },
    ];
    expect(matchQuickReplies(replies, "gre").map((r) => r.id)).toEqual(["2", "1", "3"]);
  });
});

describe("keyboard shortcuts", () => {
  const key = (k: string, extra: Partial<KeyboardEvent> = {}, target: EventTarget | null = null) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, target, ...extra });
  it("map keys to actions", () => {
    expect(shortcutFor(key("j"))).toBe("next");
    expect(shortcutFor(key("?"))).toBe("help");
    expect(shortcutFor(key("k", { ctrlKey: true }))).toBe("palette");
    expect(shortcutFor(key("k", { metaKey: true }))).toBe("palette");
    expect(shortcutFor(key("e", { altKey: true }))).toBeNull();
    expect(shortcutFor(key("n", { isComposing: true }))).toBeNull();
  });

  it("never fire while typing in a field", () => {
    const field = { closest: (selector: string) => (selector.includes("textarea") ? {} : null), isContentEditable: false };
    expect(isTypingTarget(field as unknown as EventTarget)).toBe(true);
    expect(shortcutFor(key("r", {}, field as unknown as EventTarget))).toBeNull();
    const body = { closest: () => null, isContentEditable: false };
    expect(shortcutFor(key("r", {}, body as unknown as EventTarget))).toBe("reply");
  });
});

const summary = (patch: Partial<ConversationSummary> = {}): ConversationSummary => ({
  id: "c1",
  channelId: "ch1",
  contact: { id: "k", name: "Sato", waId: "81", userId: null, username: null },
  status: "open",
  assigneeId: null,
  assigneeName: null,
  lastMessageAt: 1,
  lastMessagePreview: "hi",
  lastMessageDirection: "in",
  unreadCount: 0,
  windowEndsAt: 10_000,
  version: 1,
  teamId: null,
  teamName: null,
  ...patch,
});

describe("the list's filters on live updates", () => {
  const me = { id: "u1", teamIds: ["t1"] };
  it("follow the view", () => {
    expect(matchesList(summary({ assigneeId: "u1" }), "mine", { status: "open" }, me, 0)).toBe(true);
    expect(matchesList(summary({ assigneeId: "u2" }), "mine", { status: "open" }, me, 0)).toBe(false);
    expect(matchesList(summary(), "unassigned", { status: "open" }, me, 0)).toBe(true);
    expect(matchesList(summary({ teamId: "t1" }), "my_teams", { status: "any" }, me, 0)).toBe(true);
    expect(matchesList(summary({ teamId: "t2" }), "my_teams", { status: "any" }, me, 0)).toBe(false);
  });

  it("follow status, window, unread and label", () => {
    expect(matchesList(summary({ status: "closed" }), "all", { status: "open" }, me, 0)).toBe(false);
    expect(matchesList(summary(), "all", { status: "any", window: "open" }, me, 5_000)).toBe(true);
    expect(matchesList(summary(), "all", { status: "any", window: "open" }, me, 20_000)).toBe(false);
    expect(matchesList(summary({ unreadCount: 2 }), "all", { status: "any", unread: true }, me, 0)).toBe(true);
    expect(matchesList(summary(), "all", { status: "any", label: "l1" }, me, 0, ["l2"])).toBe(false);
    expect(matchesList(summary(), "all", { status: "any", label: "l1" }, me, 0, undefined)).toBe(true);
  });

  it("round-trip through a saved view and the query string", () => {
    const filters = { status: "pending" as const, assignee: "me", label: "l1", unread: false };
    const saved = toViewFilters(filters, " invoice ");
    expect(saved).toEqual({ status: "pending", assignee: "me", label: "l1", unread: false, q: "invoice" });
    expect(fromViewFilters(saved)).toEqual({ filters, q: "invoice" });
    expect(fromViewFilters({}).filters.status).toBe("any");
    expect(listQuery("mine", filters, "")).toMatchObject({ view: "mine", status: "pending", unread: "false", q: undefined });
    expect(activeFilterCount({ status: "open" })).toBe(0);
    expect(activeFilterCount(filters)).toBe(4);
  });
});

describe("the reply lock from activity", () => {
  it("reads who holds the thread from an activity item", () => {
    const assigned = { type: "activity", activity: { kind: "assigned" as const, actor: { id: "a", name: "Anna" }, assignee: { id: "b", name: "Ben" } } };
    expect(holderFromActivity(assigned)).toEqual({ assigneeId: "b", assigneeName: "Ben" });
    expect(holderFromActivity({ type: "activity", activity: { kind: "unassigned", actor: null } })).toEqual({ assigneeId: null, assigneeName: null });
    expect(holderFromActivity({ type: "activity", activity: { kind: "status_changed", actor: null, status: "closed" } })).toBeNull();
    expect(holderFromActivity({ type: "text", activity: undefined })).toBeNull();
    expect(lockHolderOf({ assigneeId: "b", assigneeName: "Ben" })).toEqual({ id: "b", name: "Ben" });
  });

  it("says what happened in both languages", () => {
    const activity = { kind: "assigned" as const, actor: { id: "a", name: "Anna" }, assignee: { id: "b", name: "Ben" } };
    expect(activityText(t("en"), "en", activity)).toBe("Anna assigned Ben");
    expect(activityText(t("ja"), "ja", activity)).toBe("AnnaさんがBenさんに割り当てました");
    expect(activityText(t("en"), "en", { kind: "taken_over", actor: { id: "o", name: "Olivia" }, previousAssignee: { id: "a", name: "Anna" } })).toBe("Olivia took over from Anna");
    expect(activityText(t("en"), "en", { kind: "assigned", actor: { id: "a", name: "Anna" }, assignee: { id: "a", name: "Anna" } })).toBe("Anna took this conversation");
    expect(activityText(t("en"), "en", { kind: "status_changed", actor: { id: "a", name: "Anna" }, status: "closed", category: "spam" })).toBe("Anna closed the conversation (Spam)");
    expect(activityText(t("en"), "en", { kind: "reopened", actor: null, episode: 3 })).toBe("The customer wrote again: episode 3 began");
  });

  it("words notifications", () => {
    const n: Notification = { id: "n", kind: "mentioned", conversationId: "c", noteId: "x", actor: { id: "a", name: "Anna" }, preview: "@Ben look", contactName: "Sato", createdAt: 0, readAt: null };
    expect(notificationText(t("en"), n)).toEqual({ title: "Anna mentioned you in the conversation with Sato", body: "@Ben look" });
    expect(notificationText(t("ja"), { ...n, kind: "new_message", actor: null, contactName: null }).title).toBe("お客様から新しいメッセージ");
    // Issue 5: the closing-soon alert from the thread's alarm.
    expect(notificationText(t("en"), { ...n, kind: "window_closing", actor: null }).title).toBe(
      "The 24-hour window with Sato closes soon: reply now, or send a template later",
    );
    expect(notificationText(t("ja"), { ...n, kind: "window_closing", actor: null }).title).toMatch(/^Satoとの24時間の返信期間がまもなく終わります/);
  });
});
