/**
 * The notification centre: notify() (stored, pushed live to that user only, collapsing unread
 * "new message" rows, never for the actor or an inactive user, never throwing), mentions
 * (parsing, teams, visibility), GET /api/notifications (cursor, unread count) and
 * POST /api/notifications/read.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CollaborationEvent, Notification } from "../../worker/contracts/collaboration";
import type { Env } from "../../worker/env";
import {
  markConversationNotificationsRead,
  mentionTokens,
  notify,
  notifyMentions,
  notifyNoteMentions,
  parseMentions,
} from "../../worker/services/notifications";
import { useFakeGraph } from "./helpers/fake-graph";
import { api, newThread, nextCollaborationEvent, pendingCollaborationEvents, reply, type Session } from "./helpers/collab-threads";
import { signedIn, TEST_ORIGIN } from "./helpers/session";
import { readSocket, type SocketReader } from "./helpers/socket";

useFakeGraph();

type List = { notifications: Notification[]; unreadCount: number; nextCursor: string | null };

const sockets: SocketReader[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) {
    try {
      s.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
});

async function connect(session: Session): Promise<SocketReader> {
  const res = await exports.default.fetch(`${TEST_ORIGIN}/api/events`, { headers: { ...session.headers, Upgrade: "websocket" } });
  const reader = readSocket(res);
  sockets.push(reader);
  expect((await reader.next<{ type: string }>()).type).toBe("hello");
  return reader;
}

async function list(session: Session, query = ""): Promise<List> {
  const res = await api(session, "GET", `/api/notifications${query}`);
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as List;
}

let owner: Session;
let manager: Session;
let thread: { id: string };

beforeAll(async () => {
  owner = await signedIn("owner", { name: "Olivia Owner" });
  manager = await signedIn("manager", { name: "Mark Manager" });
  thread = await newThread({ name: "Nora Customer", text: "Where is my order?" });
});

describe("notify", () => {
  it("stores the notification and pushes it, with the unread count, to that user's sockets only", async ({ expect }) => {
    const agent = await signedIn("agent");
    const other = await signedIn("agent");
    const mine = await connect(agent);
    const theirs = await connect(other);

    const stored = await notify(env, {
      userId: agent.user.id,
      kind: "assigned",
      conversationId: thread.id,
      actor: { id: manager.user.id, name: manager.user.name },
      preview: "  Where is\nmy   order?  ",
    });
    expect(stored).toEqual({
      id: expect.stringMatching(/^ntf_/),
      kind: "assigned",
      conversationId: thread.id,
      noteId: null,
      actor: { id: manager.user.id, name: manager.user.name },
      preview: "Where is my order?",
      contactName: "Nora Customer",
      createdAt: expect.any(Number),
      readAt: null,
    });
    expect(await nextCollaborationEvent<CollaborationEvent>(mine)).toEqual({ type: "notification.created", notification: stored, unreadCount: 1 });

    // The other agent's socket stays quiet: an event for them arrives first and alone.
    await notify(env, { userId: other.user.id, kind: "new_message", conversationId: thread.id, preview: "for the other one" });
    expect(await nextCollaborationEvent(theirs)).toMatchObject({ type: "notification.created", notification: { preview: "for the other one" } });
    expect(await pendingCollaborationEvents(theirs)).toEqual([]);
    expect(await pendingCollaborationEvents(mine)).toEqual([]);

    const page = await list(agent);
    expect(page).toEqual({ notifications: [stored], unreadCount: 1, nextCursor: null });
  });

  it("collapses unread new-message notifications per thread and starts a new one once read", async ({ expect }) => {
    const agent = await signedIn("agent");
    const second = await newThread({ name: "Second Customer", text: "hi" });
    const first = await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: thread.id, preview: "one" });
    await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: second.id, preview: "elsewhere" });
    const again = await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: thread.id, preview: "two" }, Date.now() + 1000);
    expect(again!.id).toBe(first!.id);
    expect(again!.preview).toBe("two");
    let page = await list(agent);
    expect(page.unreadCount).toBe(2);
    // Moved up: the newest activity first.
    expect(page.notifications.map((n) => n.preview)).toEqual(["two", "elsewhere"]);

    await api(agent, "POST", "/api/notifications/read", { ids: [first!.id] });
    const third = await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: thread.id, preview: "three" }, Date.now() + 2000);
    expect(third!.id).not.toBe(first!.id);
    page = await list(agent);
    expect(page.notifications.map((n) => [n.preview, n.readAt === null])).toEqual([
      ["three", true],
      ["two", false],
      ["elsewhere", true],
    ]);
    // Other kinds never collapse.
    await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "a" });
    await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "b" });
    expect((await list(agent)).unreadCount).toBe(4);
  });

  it("does nothing for the actor themself, an inactive or unknown user", async ({ expect }) => {
    const agent = await signedIn("agent");
    expect(await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, actor: { id: agent.user.id, name: "me" }, preview: "x" })).toBeNull();
    await env.DB.prepare("UPDATE users SET active = 0 WHERE id = ?").bind(agent.user.id).run();
    expect(await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "x" })).toBeNull();
    expect(await notify(env, { userId: "usr_nobody", kind: "assigned", conversationId: thread.id, preview: "x" })).toBeNull();
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE user_id IN (?, 'usr_nobody')").bind(agent.user.id).first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });

  it("keeps the notification when the live push fails, and never throws", async ({ expect }) => {
    const agent = await signedIn("agent");
    const brokenHub = { getByName: () => ({ publishToUsers: () => Promise.reject(new Error("hub unavailable")) }) };
    const partial = { DB: env.DB, HUB: brokenHub } as unknown as Pick<Env, "DB" | "HUB">;
    const stored = await notify(partial, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "still stored" });
    expect(stored?.preview).toBe("still stored");
    expect((await list(agent)).unreadCount).toBe(1);

    const brokenDb = { DB: { batch: () => Promise.reject(new Error("D1 down")) }, HUB: env.HUB } as unknown as Pick<Env, "DB" | "HUB">;
    await expect(notify(brokenDb, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "x" })).resolves.toBeNull();
  });

  it("shortens long previews", async ({ expect }) => {
    const agent = await signedIn("agent");
    const stored = await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: thread.id, preview: "あ".repeat(500) });
    expect([...stored!.preview]).toHaveLength(140);
    expect(stored!.preview.endsWith("…")).toBe(true);
  });
});

describe("mentions", () => {
  it("finds @word and @\"Full Name\" tokens, not e-mail addresses", ({ expect }) => {
    expect(mentionTokens('Hi @Anna, ask @"Ben Ito" and @sales. Mail anna@example.com (@日本 チーム)')).toEqual([
      "anna",
      "ben ito",
      "sales",
      "日本",
    ]);
    expect(mentionTokens("no mentions here")).toEqual([]);
  });

  it("matches active users by full name or unique first name, and teams, case-insensitively", async ({ expect }) => {
    const yuki = await signedIn("agent", { name: "Yuki Tanaka" });
    const kenA = await signedIn("agent", { name: "Ken Mori" });
    const kenB = await signedIn("agent", { name: "Ken Abe" });
    const gone = await signedIn("agent", { name: "Gone Person" });
    await env.DB.prepare("UPDATE users SET active = 0 WHERE id = ?").bind(gone.user.id).run();
    await env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES ('team_mention_support', 'Support Desk', ?)").bind(Date.now()).run();

    const found = await parseMentions(env.DB, '@yuki please ask @"KEN MORI" and @"support desk"; @ken is ambiguous; @Gone and @"Gone Person" left');
    expect(found.userIds.sort()).toEqual([yuki.user.id, kenA.user.id].sort());
    expect(found.userIds).not.toContain(kenB.user.id);
    expect(found.userIds).not.toContain(gone.user.id);
    expect(found.teamIds).toEqual(["team_mention_support"]);
    expect(await parseMentions(env.DB, "nothing to see")).toEqual({ userIds: [], teamIds: [] });
  });

  it("notifies mentioned people and team members once, never the author, only if they may see the thread", async ({ expect }) => {
    const author = await signedIn("agent", { name: "Author Agent" });
    const teammate = await signedIn("agent", { name: "Tea Mate" });
    const direct = await signedIn("agent", { name: "Direct Agent" });
    const outsider = await signedIn("agent", { name: "Out Sider" });
    await env.DB.batch([
      env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES ('team_notes', 'Notes Team', ?)").bind(Date.now()),
      env.DB.prepare("INSERT INTO team_members (team_id, user_id) VALUES ('team_notes', ?), ('team_notes', ?), ('team_notes', ?)").bind(
        author.user.id,
        teammate.user.id,
        direct.user.id,
      ),
    ]);
    // The outsider's own thread: the others may not see it... and this one is held by the author.
    const held = await newThread({ name: "Held Customer", text: "help" });
    await reply(author, held.id, "I'm on it");
    const live = await connect(manager);

    const result = await notifyMentions(env, {
      conversationId: held.id,
      noteId: "note_1",
      author: { id: author.user.id, name: author.user.name },
      userIds: [direct.user.id, manager.user.id, author.user.id],
      teamIds: ["team_notes"],
      preview: "@Direct @Mark can you check? @\"Notes Team\"",
    });
    // Agents may not open a thread another agent holds; the manager may.
    expect(result.notified).toEqual([manager.user.id]);
    expect(result.cannotSee.sort()).toEqual([direct.user.id, teammate.user.id].sort());
    expect(await nextCollaborationEvent(live)).toMatchObject({
      type: "notification.created",
      notification: { kind: "mentioned", noteId: "note_1", conversationId: held.id, actor: { id: author.user.id } },
    });
    expect((await list(outsider)).unreadCount).toBe(0);

    // On an unassigned thread of no team every agent may look: the team and the direct mention are notified.
    const open = await newThread({ name: "Open Customer", text: "anyone?" });
    const note = await notifyNoteMentions(env, {
      conversationId: open.id,
      noteId: "note_2",
      author: { id: author.user.id, name: author.user.name },
      text: "@\"Notes Team\" and @Direct — and me, @Author",
    });
    expect(note.teamIds).toEqual(["team_notes"]);
    expect(note.notified.sort()).toEqual([teammate.user.id, direct.user.id].sort());
    expect((await list(direct)).notifications[0]).toMatchObject({ kind: "mentioned", noteId: "note_2", preview: expect.stringContaining("Notes Team") });
    expect((await list(author)).unreadCount).toBe(0);
  });
});

describe("/api/notifications", () => {
  it("pages newest first with an opaque cursor, filters unread, and counts unread", async ({ expect }) => {
    const agent = await signedIn("agent");
    const base = Date.now();
    for (let i = 0; i < 5; i++) {
      await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: `n${i}` }, base + i);
    }
    const first = await list(agent, "?limit=2");
    expect(first.notifications.map((n) => n.preview)).toEqual(["n4", "n3"]);
    expect(first.unreadCount).toBe(5);
    const second = await list(agent, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.notifications.map((n) => n.preview)).toEqual(["n2", "n1"]);
    const third = await list(agent, `?limit=2&cursor=${second.nextCursor}`);
    expect(third.notifications.map((n) => n.preview)).toEqual(["n0"]);
    expect(third.nextCursor).toBeNull();

    await api(agent, "POST", "/api/notifications/read", { ids: [first.notifications[0]!.id] });
    const unread = await list(agent, "?unread=true");
    expect(unread.notifications.map((n) => n.preview)).toEqual(["n3", "n2", "n1", "n0"]);
    expect(unread.unreadCount).toBe(4);
  });

  it("marks some or all read, only the caller's own, and pushes the new count", async ({ expect }) => {
    const agent = await signedIn("agent");
    const other = await signedIn("agent");
    const a = (await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "a" }))!;
    await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "b" });
    const theirs = (await notify(env, { userId: other.user.id, kind: "assigned", conversationId: thread.id, preview: "c" }))!;
    const live = await connect(agent);

    const some = await api(agent, "POST", "/api/notifications/read", { ids: [a.id, theirs.id] });
    expect(some.status).toBe(200);
    expect(await some.json()).toEqual({ unreadCount: 1 });
    expect(await nextCollaborationEvent(live)).toEqual({ type: "notifications.read", ids: [a.id], unreadCount: 1 });
    expect((await list(other)).unreadCount).toBe(1);

    const all = await api(agent, "POST", "/api/notifications/read", { all: true });
    expect(await all.json()).toEqual({ unreadCount: 0 });
    expect(await nextCollaborationEvent(live)).toEqual({ type: "notifications.read", ids: "all", unreadCount: 0 });
    // Nothing left to mark: no event — the next one on the socket is a later notification.
    await api(agent, "POST", "/api/notifications/read", { all: true });
    await notify(env, { userId: agent.user.id, kind: "assigned", conversationId: thread.id, preview: "later" });
    expect(await nextCollaborationEvent(live)).toMatchObject({ type: "notification.created", notification: { preview: "later" } });
  });

  it("marks a thread's notifications read when its user opens it", async ({ expect }) => {
    const agent = await signedIn("agent");
    const other = await newThread({ name: "Other Thread", text: "x" });
    await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: thread.id, preview: "here" });
    await notify(env, { userId: agent.user.id, kind: "new_message", conversationId: other.id, preview: "there" });
    const live = await connect(agent);
    await markConversationNotificationsRead(env, agent.user.id, thread.id);
    expect(await nextCollaborationEvent(live)).toMatchObject({ type: "notifications.read", unreadCount: 1 });
    expect((await list(agent, "?unread=true")).notifications.map((n) => n.preview)).toEqual(["there"]);
  });

  it("answers bad input with 400 and anonymous callers with 401", async ({ expect }) => {
    for (const body of [{}, { ids: [] }, { all: false }, { ids: ["a"], all: true }, { ids: "x" }]) {
      const res = await api(owner, "POST", "/api/notifications/read", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
    expect((await api(owner, "GET", "/api/notifications?cursor=bogus")).status).toBe(400);
    expect((await api(owner, "GET", "/api/notifications?limit=500")).status).toBe(400);
    expect((await api(owner, "GET", "/api/notifications?unread=maybe")).status).toBe(400);
    expect((await api(null, "GET", "/api/notifications")).status).toBe(401);
  });
});
