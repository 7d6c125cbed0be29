/**
 * Assignment (issue 4 item 1): assign, reassign, unassign, claim, bulk — the rules by role, the
 * checks on the assignee and team (422), every change recorded in the thread as an activity item
 * and pushed live, reassignments in the audit log.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import type { ConversationSummary } from "../../worker/contracts/api";
import type { LiveEvent } from "../../worker/contracts/events";
import { useFakeGraph } from "./helpers/fake-graph";
import { activities, call, createTeam, customerWrites, expectStatus, indexRow, setAgentsSeeAll, type Session } from "./helpers/inbox";
import { createUser, signedIn, TEST_ORIGIN } from "./helpers/session";
import { readSocket, type SocketReader } from "./helpers/socket";

useFakeGraph();

function assign(session: Session, id: string, body: unknown) {
  return call(session, "POST", `/api/conversations/${id}/assignment`, body);
}

function ref(session: Session) {
  return { id: session.user.id, name: session.user.name };
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; holder?: unknown } }).error;
}

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

describe("a Manager assigns", () => {
  it("to an agent: the thread records it, the index and the list show it, and the change is pushed live", async ({ expect }) => {
    const manager = await signedIn("manager");
    const anna = await signedIn("agent");
    const { id } = await customerWrites();
    const res = await exports.default.fetch(`${TEST_ORIGIN}/api/events`, { headers: { ...manager.headers, Upgrade: "websocket" } });
    const socket = readSocket(res);
    sockets.push(socket);
    expect(await socket.next<LiveEvent>()).toMatchObject({ type: "hello" });

    const body = await expectStatus<{ conversation: ConversationSummary }>(await assign(manager, id, { userId: anna.user.id }), 200);
    expect(body.conversation).toMatchObject({ id, assigneeId: anna.user.id, assigneeName: anna.user.name, teamId: null });
    expect(await activities(id)).toEqual([{ kind: "assigned", actor: ref(manager), assignee: ref(anna), previousAssignee: null }]);
    expect((await indexRow(id))!.assignee_id).toBe(anna.user.id);

    const created = await socket.next<LiveEvent>();
    expect(created).toMatchObject({
      type: "message.created",
      conversationId: id,
      message: { type: "activity", direction: "internal", activity: { kind: "assigned", assignee: ref(anna) } },
      access: { assigneeId: anna.user.id, teamId: null },
    });
    expect(await socket.next<LiveEvent>()).toMatchObject({
      type: "conversation.updated",
      conversationId: id,
      conversation: { assigneeId: anna.user.id },
    });
    // Anna's inbox has it under "mine".
    const mine = await expectStatus<{ conversations: ConversationSummary[] }>(await call(anna, "GET", "/api/conversations?view=mine"), 200);
    expect(mine.conversations.map((c) => c.id)).toContain(id);
  });

  it("reassigns (audit-logged), moves to a team's queue, and unassigns — each recorded", async ({ expect }) => {
    const manager = await signedIn("manager");
    const [anna, ben] = await Promise.all([signedIn("agent"), signedIn("agent")]);
    const team = await createTeam(manager, [ben]);
    const { id } = await customerWrites();
    await expectStatus(await assign(manager, id, { userId: anna.user.id }), 200);
    await expectStatus(await assign(manager, id, { userId: ben.user.id, teamId: team.id }), 200);
    const moved = await expectStatus<{ conversation: ConversationSummary }>(await assign(manager, id, { teamId: team.id }), 200);
    expect(moved.conversation).toMatchObject({ assigneeId: null, teamId: team.id, teamName: team.name });
    await expectStatus(await assign(manager, id, { teamId: null }), 200);

    const teamRef = { id: team.id, name: team.name };
    expect(await activities(id)).toEqual([
      { kind: "assigned", actor: ref(manager), assignee: ref(anna), previousAssignee: null },
      { kind: "assigned", actor: ref(manager), assignee: ref(ben), previousAssignee: ref(anna), team: teamRef },
      { kind: "unassigned", actor: ref(manager), previousAssignee: ref(ben) },
      { kind: "unassigned", actor: ref(manager), previousAssignee: null, team: null },
    ]);
    const audits = await env.DB.prepare(
      "SELECT details FROM audit_log WHERE action = 'conversation.reassigned' AND target_id = ? ORDER BY at, rowid",
    )
      .bind(id)
      .all<{ details: string }>();
    expect(audits.results.map((r) => JSON.parse(r.details))).toEqual([
      { from: ref(anna), to: ref(ben), team: teamRef },
      { from: ref(ben), to: null, team: teamRef },
    ]);
  });

  it("answers 422 for a deactivated or unknown user, an unknown team, or a user outside the team — and changes nothing", async ({ expect }) => {
    const manager = await signedIn("manager");
    const anna = await signedIn("agent");
    const gone = await createUser("agent");
    await env.DB.prepare("UPDATE users SET active = 0 WHERE id = ?").bind(gone.id).run();
    const team = await createTeam(manager, []);
    const { id } = await customerWrites();
    const cases: Array<[unknown, string]> = [
      [{ userId: gone.id }, "invalid_assignee"],
      [{ userId: "usr_nobody" }, "invalid_assignee"],
      [{ teamId: "team_nothere" }, "invalid_team"],
      [{ userId: anna.user.id, teamId: team.id }, "not_team_member"],
    ];
    for (const [body, code] of cases) {
      const res = await assign(manager, id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect((await errorOf(res)).code).toBe(code);
    }
    expect(await activities(id)).toEqual([]);
    // A body with anything else is a 400.
    expect((await assign(manager, id, { userId: anna.user.id, extra: 1 })).status).toBe(400);
    expect((await assign(manager, "cnv_aaaaaaaaaaaaaaaaaaaa", { userId: anna.user.id })).status).toBe(404);
  });
});

describe("an Agent", () => {
  it("claims an unassigned thread they can see, and lets go of it", async ({ expect }) => {
    const anna = await signedIn("agent");
    const { id } = await customerWrites();
    const claimed = await expectStatus<{ conversation: ConversationSummary }>(await call(anna, "POST", `/api/conversations/${id}/claim`), 200);
    expect(claimed.conversation.assigneeId).toBe(anna.user.id);
    // Claiming again changes nothing (no second activity item).
    await expectStatus(await call(anna, "POST", `/api/conversations/${id}/claim`), 200);
    // Assigning to oneself is a claim too.
    await expectStatus(await assign(anna, id, { userId: anna.user.id }), 200);
    const released = await expectStatus<{ conversation: ConversationSummary }>(await assign(anna, id, {}), 200);
    expect(released.conversation.assigneeId).toBeNull();
    expect(await activities(id)).toEqual([
      { kind: "assigned", actor: ref(anna), assignee: ref(anna), previousAssignee: null },
      { kind: "unassigned", actor: ref(anna), previousAssignee: ref(anna) },
    ]);
    // Nobody held it, nothing to audit.
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE target_id = ?").bind(id).first<{ n: number }>();
    expect(audit!.n).toBe(0);
  });

  it("cannot claim a thread someone else holds (409 locked naming them), assign others or move teams (403)", async ({ expect }) => {
    const manager = await signedIn("manager");
    const [anna, ben] = await Promise.all([signedIn("agent"), signedIn("agent")]);
    const team = await createTeam(manager, [anna, ben]);
    const { id } = await customerWrites();
    await expectStatus(await call(anna, "POST", `/api/conversations/${id}/claim`), 200);

    const claim = await call(ben, "POST", `/api/conversations/${id}/claim`);
    expect(claim.status).toBe(409);
    expect(await errorOf(claim)).toMatchObject({ code: "locked", holder: ref(anna) });
    const self = await assign(ben, id, { userId: ben.user.id });
    expect(self.status).toBe(409);

    const other = await assign(anna, id, { userId: ben.user.id });
    expect(other.status).toBe(403);
    expect((await errorOf(other)).code).toBe("forbidden");
    expect((await assign(anna, id, { teamId: team.id })).status).toBe(403);
    // Ben cannot see Anna's thread at all: unassigning it is a 404, not a hint that it exists.
    expect((await assign(ben, id, {})).status).toBe(404);
    expect((await indexRow(id))!.assignee_id).toBe(anna.user.id);
  });

  it("who may see every thread still cannot unassign someone else's (403)", async ({ expect }) => {
    const owner = await signedIn("owner");
    const [anna, ben] = await Promise.all([signedIn("agent"), signedIn("agent")]);
    const { id } = await customerWrites();
    await expectStatus(await call(anna, "POST", `/api/conversations/${id}/claim`), 200);
    await setAgentsSeeAll(owner, true);
    try {
      const res = await assign(ben, id, {});
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("forbidden");
    } finally {
      await setAgentsSeeAll(owner, false);
    }
  });
});

describe("POST /api/conversations/bulk-assignment", () => {
  it("assigns many threads, one result per id in order, with per-thread errors", async ({ expect }) => {
    const manager = await signedIn("manager");
    const anna = await signedIn("agent");
    const threads = await Promise.all([customerWrites(), customerWrites(), customerWrites()]);
    const ids = threads.map((t) => t.id);
    const res = await call(manager, "POST", "/api/conversations/bulk-assignment", {
      conversationIds: [ids[0], "cnv_aaaaaaaaaaaaaaaaaaaa", ids[1], ids[0], ids[2]],
      userId: anna.user.id,
    });
    const body = await expectStatus<{ results: Array<{ id: string; ok: boolean; conversation?: ConversationSummary; error?: { code: string } }> }>(
      res,
      200,
    );
    expect(body.results.map((r) => [r.id, r.ok])).toEqual([
      [ids[0], true],
      ["cnv_aaaaaaaaaaaaaaaaaaaa", false],
      [ids[1], true],
      [ids[2], true],
    ]);
    expect(body.results[1]!.error!.code).toBe("not_found");
    for (const id of ids) expect((await indexRow(id))!.assignee_id).toBe(anna.user.id);
  });

  it("applies the Agent rules per thread: claims the free ones, locked for the held one", async ({ expect }) => {
    const [anna, ben] = await Promise.all([signedIn("agent"), signedIn("agent")]);
    const [free, held] = await Promise.all([customerWrites(), customerWrites()]);
    await expectStatus(await call(anna, "POST", `/api/conversations/${held.id}/claim`), 200);
    const body = await expectStatus<{ results: Array<{ ok: boolean; error?: { code: string } }> }>(
      await call(ben, "POST", "/api/conversations/bulk-assignment", { conversationIds: [free.id, held.id], userId: ben.user.id }),
      200,
    );
    expect(body.results.map((r) => r.ok)).toEqual([true, false]);
    expect(body.results[1]!.error!.code).toBe("locked");
    const forbidden = await expectStatus<{ results: Array<{ ok: boolean; error?: { code: string } }> }>(
      await call(ben, "POST", "/api/conversations/bulk-assignment", { conversationIds: [free.id], userId: anna.user.id }),
      200,
    );
    expect(forbidden.results[0]!.error!.code).toBe("forbidden");
  });

  it("refuses more than 100 ids or none (400) and a bad assignee for the whole request (422)", async ({ expect }) => {
    const manager = await signedIn("manager");
    const many = Array.from({ length: 101 }, (_, i) => `cnv_${String(i).padStart(20, "a")}`);
    expect((await call(manager, "POST", "/api/conversations/bulk-assignment", { conversationIds: many })).status).toBe(400);
    expect((await call(manager, "POST", "/api/conversations/bulk-assignment", { conversationIds: [] })).status).toBe(400);
    const { id } = await customerWrites();
    const res = await call(manager, "POST", "/api/conversations/bulk-assignment", { conversationIds: [id], userId: "usr_nobody" });
    expect(res.status).toBe(422);
  });
});

describe("the notification centre", () => {
  it("tells the assignee (not the one who took it themselves), then about new messages; opening the thread reads them", async ({ expect }) => {
    const manager = await signedIn("manager");
    const anna = await signedIn("agent");
    const { id, from } = await customerWrites({ text: "Where is my parcel?" });
    const kinds = async (userId: string) =>
      (
        await env.DB.prepare("SELECT kind, actor_id, read_at FROM notifications WHERE user_id = ? AND conversation_id = ? ORDER BY created_at, id")
          .bind(userId, id)
          .all<{ kind: string; actor_id: string | null; read_at: number | null }>()
      ).results;

    await expectStatus(await assign(manager, id, { userId: anna.user.id }), 200);
    await expect.poll(() => kinds(anna.user.id)).toEqual([{ kind: "assigned", actor_id: manager.user.id, read_at: null }]);
    await customerWrites({ from, text: "Hello?" });
    await expect.poll(async () => (await kinds(anna.user.id)).map((n) => n.kind)).toEqual(["assigned", "new_message"]);

    await expectStatus(await call(anna, "POST", `/api/conversations/${id}/read`), 200);
    expect((await kinds(anna.user.id)).every((n) => n.read_at !== null)).toBe(true);
    // Taking a thread yourself notifies nobody.
    const other = await customerWrites();
    await expectStatus(await call(anna, "POST", `/api/conversations/${other.id}/claim`), 200);
    const mine = await env.DB.prepare("SELECT count(*) AS n FROM notifications WHERE conversation_id = ?").bind(other.id).first<{ n: number }>();
    expect(mine!.n).toBe(0);
  });
});

describe("deactivating a user", () => {
  it("puts their threads back in the queue, recorded in each thread", async ({ expect }) => {
    const manager = await signedIn("manager");
    const anna = await signedIn("agent");
    const { id } = await customerWrites();
    await expectStatus(await assign(manager, id, { userId: anna.user.id }), 200);
    await expectStatus(await call(manager, "POST", `/api/users/${anna.user.id}/deactivate`), 200);
    expect((await indexRow(id))!.assignee_id).toBeNull();
    expect((await activities(id)).at(-1)).toEqual({ kind: "unassigned", actor: ref(manager), previousAssignee: ref(anna) });
  });
});
