/**
 * Automatic assignment (issue 4 item 1): per team (and per channel, through its default team),
 * round-robin or fewest open threads among online members under their capacity; threads that find
 * nobody wait and are assigned as soon as someone comes online or a slot frees; the decision is
 * race-free (threads arriving together never push an agent past their capacity); a waiting thread
 * retries from its own alarm.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { toIndexRow, type ThreadRow } from "../../durable-objects/conversation/rows";
import type { ConversationSummary } from "../../worker/contracts/api";
import { decideAssignment } from "../../worker/services/auto-assign";
import { useFakeGraph } from "./helpers/fake-graph";
import {
  activities,
  call,
  channelIdOf,
  createTeam,
  customerWrites,
  expectStatus,
  indexRow,
  newNumber,
  setAvailability,
  summary,
  type Session,
} from "./helpers/inbox";
import { signedIn } from "./helpers/session";

useFakeGraph();

interface Setup {
  number: string;
  channelId: string;
  team: { id: string; name: string };
  agents: Session[];
  owner: Session;
  manager: Session;
}

/**
 * A number of its own whose new threads go to a fresh team with `strategy` and `capacity`; its
 * `agents` are the team's members, online unless `online` says otherwise.
 */
async function setup(options: { strategy: string; capacity?: number | null; agents?: number; online?: boolean[] }): Promise<Setup> {
  const owner = await signedIn("owner");
  const manager = await signedIn("manager");
  const agents = await Promise.all(Array.from({ length: options.agents ?? 2 }, () => signedIn("agent")));
  const team = await createTeam(manager, agents);
  await expectStatus(
    await call(manager, "PUT", `/api/assignment-policies/teams/${team.id}`, { strategy: options.strategy, capacity: options.capacity ?? null }),
    200,
  );
  // The channel exists once its number has had a webhook.
  const number = newNumber();
  await customerWrites({ phoneNumberId: number });
  const channelId = await channelIdOf(number);
  await expectStatus(await call(owner, "PUT", `/api/assignment-policies/channels/${channelId}`, { defaultTeamId: team.id }), 200);
  for (const [i, agent] of agents.entries()) {
    if (options.online?.[i] ?? true) await setAvailability(agent, "online");
  }
  return { number, channelId, team, agents, owner, manager };
}

async function assigneeOf(id: string): Promise<string | null> {
  return (await indexRow(id))!.assignee_id;
}

describe("round robin", () => {
  it("gives new threads to the team's online members in turn, recorded as auto_assigned with the team", async ({ expect }) => {
    const { number, team, agents } = await setup({ strategy: "round_robin" });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await customerWrites({ phoneNumberId: number })).id);
    const assignees = await Promise.all(ids.map(assigneeOf));
    expect(new Set(assignees)).toEqual(new Set(agents.map((a) => a.user.id)));
    expect(assignees[0]).not.toBe(assignees[1]);
    expect(assignees[2]).toBe(assignees[0]);
    expect(assignees[3]).toBe(assignees[1]);

    const first = await summary(ids[0]!);
    expect(first).toMatchObject({ teamId: team.id, teamName: team.name, assigneeId: assignees[0] });
    const who = agents.find((a) => a.user.id === assignees[0])!;
    expect(await activities(ids[0]!)).toEqual([
      { kind: "auto_assigned", actor: null, assignee: { id: who.user.id, name: who.user.name }, team: { id: team.id, name: team.name } },
    ]);
    expect((await indexRow(ids[0]!))!.waiting_since).toBeNull();
    // The assignee hears of it in the notification centre (from nobody: Chorus did it).
    await expect
      .poll(() =>
        env.DB.prepare("SELECT kind, actor_id FROM notifications WHERE user_id = ? AND conversation_id = ?").bind(who.user.id, ids[0]).all(),
      )
      .toMatchObject({ results: [{ kind: "assigned", actor_id: null }] });
  });

  it("never picks members who are away, offline or deactivated, nor anyone outside the team", async ({ expect }) => {
    const { number, agents, manager } = await setup({ strategy: "round_robin", agents: 4, online: [true, true, true, false] });
    const outsider = await signedIn("agent");
    await setAvailability(outsider, "online");
    await setAvailability(agents[1]!, "away");
    await expectStatus(await call(manager, "POST", `/api/users/${agents[2]!.user.id}/deactivate`), 200);
    for (let i = 0; i < 3; i++) {
      const { id } = await customerWrites({ phoneNumberId: number });
      expect(await assigneeOf(id)).toBe(agents[0]!.user.id);
    }
  });
});

describe("fewest open", () => {
  it("gives the thread to the online member holding the fewest open threads", async ({ expect }) => {
    const { number, agents, manager } = await setup({ strategy: "fewest_open" });
    const [busy, free] = agents as [Session, Session];
    // `busy` holds two open threads already (anywhere), `free` none.
    for (let i = 0; i < 2; i++) {
      const { id } = await customerWrites();
      await expectStatus(await call(manager, "POST", `/api/conversations/${id}/assignment`, { userId: busy.user.id }), 200);
    }
    const first = await customerWrites({ phoneNumberId: number });
    expect(await assigneeOf(first.id)).toBe(free.user.id);
    const second = await customerWrites({ phoneNumberId: number });
    expect(await assigneeOf(second.id)).toBe(free.user.id);
    // 2 each now: either may get the next; then the other one does.
    const third = await customerWrites({ phoneNumberId: number });
    const fourth = await customerWrites({ phoneNumberId: number });
    expect(new Set([await assigneeOf(third.id), await assigneeOf(fourth.id)])).toEqual(new Set([busy.user.id, free.user.id]));
  });
});

describe("capacity", () => {
  it("is never exceeded by threads arriving at the same instant", async ({ expect }) => {
    const { number, agents } = await setup({ strategy: "round_robin", capacity: 2 });
    const threads = await Promise.all(Array.from({ length: 7 }, () => customerWrites({ phoneNumberId: number })));
    const assignees = await Promise.all(threads.map((t) => assigneeOf(t.id)));
    for (const agent of agents) expect(assignees.filter((a) => a === agent.user.id)).toHaveLength(2);
    expect(assignees.filter((a) => a === null)).toHaveLength(3);
    // The ones that found nobody wait, in the index and in their DO.
    for (const [i, t] of threads.entries()) {
      if (assignees[i] === null) {
        expect((await indexRow(t.id))!.waiting_since).not.toBeNull();
        const timers = await runInDurableObject(env.CONVERSATION.getByName(t.id), (_i, state) =>
          state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'assign'").toArray(),
        );
        expect(timers).toEqual([{ kind: "assign" }]);
      }
    }
  });

  it("with one agent of capacity 1: two threads together — one is assigned, the other waits until the first is closed", async ({ expect }) => {
    const { number, agents } = await setup({ strategy: "round_robin", capacity: 1, agents: 1 });
    const agent = agents[0]!;
    const [a, b] = await Promise.all([customerWrites({ phoneNumberId: number }), customerWrites({ phoneNumberId: number })]);
    const [first, second] = (await assigneeOf(a.id)) === agent.user.id ? [a, b] : [b, a];
    expect(await assigneeOf(first.id)).toBe(agent.user.id);
    expect(await assigneeOf(second.id)).toBeNull();

    await expectStatus(await call(agent, "POST", `/api/conversations/${first.id}/status`, { status: "closed" }), 200);
    // The freed slot is offered to the waiting thread right away.
    await expect.poll(() => assigneeOf(second.id), { timeout: 2000 }).toBe(agent.user.id);
    expect((await activities(second.id)).at(-1)).toMatchObject({ kind: "auto_assigned", assignee: { id: agent.user.id } });
  });
});

describe("when nobody is available", () => {
  it("the thread waits unassigned and goes to the first member who comes online", async ({ expect }) => {
    const { number, agents } = await setup({ strategy: "round_robin", capacity: 1, online: [false, false] });
    const [a, b, c] = [
      await customerWrites({ phoneNumberId: number }),
      await customerWrites({ phoneNumberId: number }),
      await customerWrites({ phoneNumberId: number }),
    ];
    for (const t of [a, b, c]) expect(await assigneeOf(t.id)).toBeNull();

    await setAvailability(agents[1]!, "online");
    // Oldest waiting first, up to the capacity — by the time PATCH /api/session answers.
    expect(await assigneeOf(a.id)).toBe(agents[1]!.user.id);
    expect(await assigneeOf(b.id)).toBeNull();
    await setAvailability(agents[0]!, "online");
    expect(await assigneeOf(b.id)).toBe(agents[0]!.user.id);
    expect(await assigneeOf(c.id)).toBeNull();
    expect((await indexRow(c.id))!.waiting_since).not.toBeNull();
  });

  it("is not lost: a waiting thread retries from its own alarm", async ({ expect }) => {
    const { number, agents } = await setup({ strategy: "round_robin", agents: 1, online: [false] });
    const { id } = await customerWrites({ phoneNumberId: number });
    expect(await assigneeOf(id)).toBeNull();
    // Someone comes online without the hook running (another isolate died, say).
    await env.DB.prepare("UPDATE users SET availability = 'online' WHERE id = ?").bind(agents[0]!.user.id).run();
    const stub = env.CONVERSATION.getByName(id);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await assigneeOf(id)).toBe(agents[0]!.user.id);
    const timers = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'assign'").toArray());
    expect(timers).toEqual([]);
  });
});

describe("a decision whose answer was lost", () => {
  it("is adopted as it was made when the thread retries (the reserved agent, not a second pick)", async ({ expect }) => {
    const { number, agents } = await setup({ strategy: "round_robin", online: [false, false] });
    const { id } = await customerWrites({ phoneNumberId: number });
    const stub = env.CONVERSATION.getByName(id);
    await env.DB.prepare("UPDATE users SET availability = 'online' WHERE id IN (?, ?)").bind(agents[0]!.user.id, agents[1]!.user.id).run();
    // The DO's decision reaches D1 (it reserves an agent and moves the cursor) but the DO dies
    // before it hears the answer.
    const thread = await runInDurableObject(stub, (_i, state) => state.storage.sql.exec("SELECT * FROM thread").one() as unknown as ThreadRow);
    const lost = await decideAssignment(env.DB, toIndexRow(thread));
    expect(lost.assigneeId).not.toBeNull();
    expect((await summary(id)).assigneeId).toBeNull();
    // The retry finds the reservation and adopts it; a fresh round-robin pick would be the other agent.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await summary(id)).assigneeId).toBe(lost.assigneeId);
    expect(await assigneeOf(id)).toBe(lost.assigneeId);
    expect((await activities(id)).filter((a) => a.kind === "auto_assigned")).toHaveLength(1);
  });
});

describe("put in a team's queue", () => {
  it("by a Manager, the thread is assigned by the team's policy", async ({ expect }) => {
    const { agents, team, manager } = await setup({ strategy: "round_robin", agents: 1 });
    const { id } = await customerWrites();
    const res = await expectStatus<{ conversation: ConversationSummary }>(
      await call(manager, "POST", `/api/conversations/${id}/assignment`, { teamId: team.id }),
      200,
    );
    expect(res.conversation).toMatchObject({ teamId: team.id, assigneeId: agents[0]!.user.id });
    expect((await activities(id)).map((a) => a.kind)).toEqual(["assigned", "auto_assigned"]);
  });
});

describe("a new episode", () => {
  it("of an unassigned thread is offered to automatic assignment again", async ({ expect }) => {
    const { number, agents } = await setup({ strategy: "round_robin", agents: 1 });
    const agent = agents[0]!;
    const { id, from } = await customerWrites({ phoneNumberId: number });
    expect(await assigneeOf(id)).toBe(agent.user.id);
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/assignment`, {}), 200);
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/status`, { status: "closed" }), 200);
    expect(await assigneeOf(id)).toBeNull();
    await customerWrites({ from, phoneNumberId: number, at: Date.now() + 1000 });
    expect(await indexRow(id)).toMatchObject({ episode: 2, status: "open", assignee_id: agent.user.id });
  });
});

describe("manual (no policy, or strategy manual)", () => {
  it("leaves new threads unassigned and not waiting, in the channel's default team's queue", async ({ expect }) => {
    const { number, team, agents } = await setup({ strategy: "manual" });
    const outsider = await signedIn("agent");
    const { id } = await customerWrites({ phoneNumberId: number });
    expect(await indexRow(id)).toMatchObject({ assignee_id: null, team_id: team.id, waiting_since: null });
    const timers = await runInDurableObject(env.CONVERSATION.getByName(id), (_i, state) =>
      state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'assign'").toArray(),
    );
    expect(timers).toEqual([]);
    // The team's members see it; an agent of no team does not.
    expect((await call(agents[0]!, "GET", `/api/conversations/${id}`)).status).toBe(200);
    expect((await call(outsider, "GET", `/api/conversations/${id}`)).status).toBe(404);
  });

  it("a team put in charge later gets its waiting threads at once", async ({ expect }) => {
    const { number, team, agents, manager } = await setup({ strategy: "round_robin", agents: 1, online: [false] });
    const { id } = await customerWrites({ phoneNumberId: number });
    await env.DB.prepare("UPDATE users SET availability = 'online' WHERE id = ?").bind(agents[0]!.user.id).run();
    // Raising the capacity (or changing the strategy) offers the team's waiting threads again.
    await expectStatus(await call(manager, "PUT", `/api/assignment-policies/teams/${team.id}`, { strategy: "fewest_open", capacity: 5 }), 200);
    expect(await assigneeOf(id)).toBe(agents[0]!.user.id);
  });
});

describe("assignment policy routes", () => {
  it("list every team and channel, and refuse bad input", async ({ expect }) => {
    const { team, channelId, owner, manager } = await setup({ strategy: "fewest_open", capacity: 4 });
    const list = await expectStatus<{
      teams: Array<{ teamId: string; strategy: string; capacity: number | null }>;
      channels: Array<{ channelId: string; defaultTeamId: string | null; strategy: string }>;
    }>(await call(manager, "GET", "/api/assignment-policies"), 200);
    expect(list.teams.find((t) => t.teamId === team.id)).toMatchObject({ strategy: "fewest_open", capacity: 4 });
    expect(list.channels.find((c) => c.channelId === channelId)).toMatchObject({ defaultTeamId: team.id, strategy: "manual" });

    const put = (session: Session, path: string, body: unknown) => call(session, "PUT", `/api/assignment-policies${path}`, body);
    expect((await put(manager, `/teams/${team.id}`, { strategy: "random" })).status).toBe(400);
    expect((await put(manager, `/teams/${team.id}`, { strategy: "round_robin", capacity: 0 })).status).toBe(400);
    expect((await put(manager, "/teams/team_nothere", { strategy: "round_robin" })).status).toBe(404);
    expect((await put(manager, `/channels/${channelId}`, { strategy: "manual" })).status).toBe(403);
    const badTeam = await put(owner, `/channels/${channelId}`, { defaultTeamId: "team_nothere" });
    expect(badTeam.status).toBe(422);
    expect((await put(owner, "/channels/chn_nothere", { strategy: "manual" })).status).toBe(404);
    const agent = await signedIn("agent");
    expect((await call(agent, "GET", "/api/assignment-policies")).status).toBe(403);
  });

  it("a channel without a team assigns among every online user under its own strategy", async ({ expect }) => {
    const owner = await signedIn("owner");
    const number = newNumber();
    await customerWrites({ phoneNumberId: number });
    const channelId = await channelIdOf(number);
    // Capacity 0 would be refused; capacity 1 with everyone busy or offline means: nobody.
    await expectStatus(await call(owner, "PUT", `/api/assignment-policies/channels/${channelId}`, { strategy: "fewest_open", capacity: 1 }), 200);
    const solo = await signedIn("agent");
    await setAvailability(solo, "online");
    const { id } = await customerWrites({ phoneNumberId: number });
    const picked = await assigneeOf(id);
    // Someone online with a free slot got it (the workspace may have other online users from earlier tests).
    expect(picked).not.toBeNull();
    const row = await env.DB.prepare("SELECT active, availability FROM users WHERE id = ?").bind(picked).first<{ active: number; availability: string }>();
    expect(row).toEqual({ active: 1, availability: "online" });
    const s: ConversationSummary = await summary(id);
    expect(s.teamId).toBeNull();
  });
});
