/**
 * The live socket obeys the role rules (issue 3): an agent's socket never carries a thread that
 * agent may not open; presence ("Anna is replying", issue 4) reaches only people who may see the
 * thread, and is ignored for a thread the sender may not open.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { WORKSPACE_HUB } from "../../durable-objects/hub";
import type { ConversationSummary, Message } from "../../worker/contracts/api";
import type { LiveEvent, PresenceEvent } from "../../worker/contracts/events";
import { signedIn } from "./helpers/session";
import { readSocket, type SocketReader } from "./helpers/socket";

const open: SocketReader[] = [];
afterEach(() => {
  for (const reader of open.splice(0)) {
    try {
      reader.ws.close(1000, "test over");
    } catch {
      // already closed
    }
  }
});

async function connect(cookie: string) {
  const res = await exports.default.fetch("http://example.com/api/events", {
    headers: { Upgrade: "websocket", Cookie: cookie, Origin: "http://example.com" },
  });
  const reader = readSocket(res);
  open.push(reader);
  await reader.next(); // hello
  return reader;
}

function summary(id: string, assigneeId: string | null, teamId: string | null, version: number): LiveEvent {
  const conversation = {
    id,
    channelId: "ch",
    contact: { id: "ct", name: "Customer", waId: "15550001", userId: null, username: null },
    status: "open",
    assigneeId,
    assigneeName: null,
    lastMessageAt: 1,
    lastMessagePreview: "hi",
    lastMessageDirection: "in",
    unreadCount: 1,
    windowEndsAt: null,
    version,
    teamId,
  } as ConversationSummary;
  return { type: "conversation.updated", conversationId: id, version, conversation };
}

function message(id: string, access: { assigneeId: string | null; teamId: string | null } | undefined): LiveEvent {
  const msg = {
    id: `m_${crypto.randomUUID()}`,
    conversationId: id,
    seq: 1,
    wamid: null,
    direction: "in",
    type: "text",
    text: "secret",
    template: null,
    timestamp: 1,
    status: "received",
    error: null,
    author: null,
  } as Message;
  return { type: "message.created", conversationId: id, version: 1, message: msg, ...(access ? { access } : {}) };
}

/** Every message this socket gets within a short while (after a marker event everyone may see). */
async function drain(reader: SocketReader, ms = 300): Promise<unknown[]> {
  const got: unknown[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      got.push(await reader.next({ timeoutMs: Math.max(10, until - Date.now()) }));
    } catch {
      break;
    }
  }
  return got;
}

const hub = () => env.HUB.getByName(WORKSPACE_HUB);

async function teamWith(...userIds: string[]) {
  const id = `team_${crypto.randomUUID()}`;
  await env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)").bind(id, id, Date.now()).run();
  for (const userId of userIds) await env.DB.prepare("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)").bind(id, userId).run();
  return id;
}

describe("live events follow the role rules", () => {
  it("an agent gets their own threads and their teams' unassigned ones — never another agent's or another team's", async ({ expect }) => {
    const ann = await signedIn("agent");
    const ben = await signedIn("agent");
    const manager = await signedIn("manager");
    const annTeam = await teamWith(ann.user.id);
    const otherTeam = await teamWith(ben.user.id);
    const annSocket = await connect(ann.cookie);
    const managerSocket = await connect(manager.cookie);

    await hub().publish(summary("c_ben", ben.user.id, null, 1));
    await hub().publish(message("c_ben", { assigneeId: ben.user.id, teamId: null }));
    await hub().publish(summary("c_other_team", null, otherTeam, 1));
    await hub().publish(message("c_unlabelled", undefined));
    await hub().publish(summary("c_mine", ann.user.id, null, 1));
    await hub().publish(summary("c_my_team", null, annTeam, 1));
    await hub().publish(summary("c_no_team", null, null, 1));

    const annGot = (await drain(annSocket)) as LiveEvent[];
    expect(annGot.map((e) => ("conversationId" in e ? e.conversationId : e.type))).toEqual(["c_mine", "c_my_team", "c_no_team"]);
    const managerGot = (await drain(managerSocket)) as LiveEvent[];
    expect(managerGot).toHaveLength(7);
  });

  it("the agent who loses a thread hears that it left their list, and nothing after", async ({ expect }) => {
    const ann = await signedIn("agent");
    const ben = await signedIn("agent");
    const annSocket = await connect(ann.cookie);
    await hub().publish(summary("c_moving", ann.user.id, null, 1));
    await hub().publish(summary("c_moving", ben.user.id, null, 2));
    await hub().publish(summary("c_moving", ben.user.id, null, 3));
    const got = (await drain(annSocket)) as Array<{ version: number }>;
    expect(got.map((e) => e.version)).toEqual([1, 2]);
  });

  it("the agent who loses a thread gets every event of the change that took it (one batch), even with a cold hub", async ({ expect }) => {
    const ann = await signedIn("agent");
    const ben = await signedIn("agent");
    const convId = `conv_${crypto.randomUUID()}`;
    // The hub has never seen this thread: the index says Ann holds it.
    await env.DB.prepare(
      "INSERT INTO conversations (id, channel_id, contact_id, status, assignee_id, unread_count, version, created_at, updated_at) VALUES (?, 'ch', ?, 'open', ?, 0, 1, 0, 0)",
    )
      .bind(convId, `ct_${crypto.randomUUID()}`, ann.user.id)
      .run();
    const annSocket = await connect(ann.cookie);
    await hub().publishMany([
      message(convId, { assigneeId: ben.user.id, teamId: null }),
      summary(convId, ben.user.id, null, 2),
    ]);
    await hub().publish(summary(convId, ben.user.id, null, 3));
    const got = (await drain(annSocket)) as LiveEvent[];
    expect(got.map((e) => e.type)).toEqual(["message.created", "conversation.updated"]);
  });

  it("agents see everything when the workspace says so; changing the setting closes their sockets", async ({ expect }) => {
    const owner = await signedIn("owner");
    const ann = await signedIn("agent");
    const before = await connect(ann.cookie);
    const res = await exports.default.fetch("http://example.com/api/settings", {
      method: "PATCH",
      headers: owner.headers,
      body: JSON.stringify({ agentsSeeAllConversations: true }),
    });
    expect(res.status).toBe(200);
    expect((await before.closed).code).toBe(4401);
    const after = await connect(ann.cookie);
    await hub().publish(summary("c_someone_elses", "usr_someone", "team_x", 1));
    expect(((await drain(after)) as LiveEvent[]).length).toBe(1);
  });
});

describe("presence", () => {
  it("shows who is typing in a thread to those who may see it, and ignores presence in a thread the sender may not open", async ({ expect }) => {
    // The workspace setting is shared by the tests of this file: this one needs it off.
    await env.DB.prepare("DELETE FROM settings WHERE key = 'agentsSeeAllConversations'").run();
    const ann = await signedIn("agent", { name: "Anna" });
    const ben = await signedIn("agent", { name: "Ben" });
    const carl = await signedIn("agent", { name: "Carl" });
    const teamA = await teamWith(ann.user.id, ben.user.id);
    await teamWith(carl.user.id);
    const convId = `conv_${crypto.randomUUID()}`;
    await env.DB.prepare(
      "INSERT INTO conversations (id, channel_id, contact_id, status, team_id, unread_count, version, created_at, updated_at) VALUES (?, 'ch', ?, 'open', ?, 0, 1, 0, 0)",
    )
      .bind(convId, `ct_${crypto.randomUUID()}`, teamA)
      .run();

    const annSocket = await connect(ann.cookie);
    const benSocket = await connect(ben.cookie);
    const carlSocket = await connect(carl.cookie);

    annSocket.ws.send(JSON.stringify({ type: "presence", conversationId: convId, state: "typing" }));
    const seenByBen = await benSocket.next<PresenceEvent>();
    expect(seenByBen).toEqual({ type: "presence", conversationId: convId, users: [{ id: ann.user.id, name: "Anna", state: "typing" }] });
    // Carl is in another team: he hears nothing, and his own presence there is ignored.
    carlSocket.ws.send(JSON.stringify({ type: "presence", conversationId: convId, state: "viewing" }));
    expect(await drain(carlSocket)).toEqual([]);
    const annGot = (await drain(annSocket)) as PresenceEvent[];
    expect(annGot.every((e) => e.users.every((u) => u.id !== carl.user.id))).toBe(true);

    // Leaving (closing the tab) clears Anna from the thread.
    annSocket.ws.close(1000, "bye");
    const afterLeave = await benSocket.next<PresenceEvent>();
    expect(afterLeave.users).toEqual([]);
  });
});

describe("sessions end on the socket too", () => {
  it("deactivating a user closes their open socket at once", async ({ expect }) => {
    const owner = await signedIn("owner");
    const ann = await signedIn("agent");
    const socket = await connect(ann.cookie);
    const res = await exports.default.fetch(`http://example.com/api/users/${ann.user.id}/deactivate`, { method: "POST", headers: owner.headers });
    expect(res.status).toBe(200);
    expect((await socket.closed).code).toBe(4401);
  });

  it("changing one's password closes the sockets of the other sessions, not this one", async ({ expect }) => {
    const here = await signedIn("agent");
    const otherCookie = (await (async () => {
      const res = await exports.default.fetch("http://example.com/api/session", {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: "http://example.com" },
        body: JSON.stringify({ email: here.user.email, password: "correct horse battery" }),
      });
      return (res.headers.get("Set-Cookie") ?? "").split(";")[0]!;
    })());
    const hereSocket = await connect(here.cookie);
    const otherSocket = await connect(otherCookie);
    const res = await exports.default.fetch("http://example.com/api/session/password", {
      method: "POST",
      headers: here.headers,
      body: JSON.stringify({ currentPassword: "correct horse battery", newPassword: "a brand new long password" }),
    });
    expect(res.status).toBe(204);
    expect((await otherSocket.closed).code).toBe(4401);
    await hub().publish(summary("c_after", null, null, 1));
    expect(((await drain(hereSocket)) as LiveEvent[]).map((e) => e.type)).toEqual(["conversation.updated"]);
  });
});
