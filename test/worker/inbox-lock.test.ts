/**
 * The reply lock (issue 4 item 2), decided inside the Conversation DO: only the holder sends;
 * replying to an unassigned thread claims it atomically — of 20 agents replying at once exactly one
 * wins; Managers and Owners take over (recorded and audit-logged); lock and assignment survive
 * eviction.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ConversationDetail, Message } from "../../worker/contracts/api";
import { useFakeGraph } from "./helpers/fake-graph";
import { activities, call, createTeam, customerWrites, expectStatus, items, type Session } from "./helpers/inbox";
import { signedIn } from "./helpers/session";

const graph = useFakeGraph();

function reply(session: Session, id: string, text: string) {
  return call(session, "POST", `/api/conversations/${id}/messages`, { text });
}

async function detail(session: Session, id: string) {
  return expectStatus<ConversationDetail>(await call(session, "GET", `/api/conversations/${id}`), 200);
}

describe("the reply lock", () => {
  it("of 20 agents replying to one unassigned thread at the same instant, exactly one wins; 19 get 409 locked naming the holder; the Graph API sees one message", async ({ expect }) => {
    const agents = await Promise.all(Array.from({ length: 20 }, () => signedIn("agent")));
    const { id } = await customerWrites();
    const responses = await Promise.all(agents.map((agent, i) => reply(agent, id, `I'll take it (${i})`)));

    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const winnerIndex = statuses.indexOf(201);
    const winner = agents[winnerIndex]!;
    const sent = ((await responses[winnerIndex]!.json()) as { message: Message }).message;
    expect(sent.author).toEqual({ id: winner.user.id, name: winner.user.name });

    const holder = { id: winner.user.id, name: winner.user.name };
    for (const res of responses.filter((r) => r.status === 409)) {
      expect(await res.json()).toEqual({
        error: { code: "locked", message: `${winner.user.name} is replying to this conversation.`, holder },
      });
    }
    expect(graph.calls).toHaveLength(1);
    expect(graph.calls[0]!.body.text?.body).toBe(sent.text);
    const thread = await items(id);
    expect(thread.filter((m) => m.direction === "out")).toHaveLength(1);
    expect((await detail(winner, id)).lockHolder).toEqual(holder);
    // The claim is in the thread, once.
    expect(await activities(id)).toEqual([{ kind: "assigned", actor: holder, assignee: holder, previousAssignee: null }]);
  });

  it("lets only the assignee send: a teammate gets 409 locked, an agent of another team gets 404", async ({ expect }) => {
    const manager = await signedIn("manager");
    const [anna, ben, cleo] = await Promise.all([signedIn("agent"), signedIn("agent"), signedIn("agent")]);
    const sales = await createTeam(manager, [anna, ben]);
    await createTeam(manager, [cleo]);
    const { id } = await customerWrites();
    await expectStatus(await call(manager, "POST", `/api/conversations/${id}/assignment`, { userId: anna.user.id, teamId: sales.id }), 200);

    const ben409 = await reply(ben, id, "me?");
    expect(ben409.status).toBe(409);
    expect(((await ben409.json()) as { error: { holder: unknown } }).error.holder).toEqual({ id: anna.user.id, name: anna.user.name });
    expect((await reply(cleo, id, "me?")).status).toBe(404);
    await expectStatus(await reply(anna, id, "Hello from Anna"), 201);
    expect(graph.calls).toHaveLength(1);
  });

  it("lets a Manager take over by replying: the thread is theirs, the takeover is in the thread and in the audit log", async ({ expect }) => {
    const manager = await signedIn("manager");
    const anna = await signedIn("agent");
    const { id } = await customerWrites();
    await expectStatus(await reply(anna, id, "mine"), 201);
    await expectStatus(await reply(manager, id, "taking over"), 201);

    const annaRef = { id: anna.user.id, name: anna.user.name };
    const managerRef = { id: manager.user.id, name: manager.user.name };
    expect((await detail(manager, id)).lockHolder).toEqual(managerRef);
    expect((await activities(id)).at(-1)).toEqual({ kind: "taken_over", actor: managerRef, assignee: managerRef, previousAssignee: annaRef });
    // Anna no longer holds it: her reply is refused, naming the Manager.
    const refused = await reply(anna, id, "hey");
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { holder: unknown } }).error.holder).toEqual(managerRef);
    const audit = await env.DB.prepare("SELECT actor_id, details FROM audit_log WHERE action = 'conversation.reassigned' AND target_id = ?")
      .bind(id)
      .first<{ actor_id: string; details: string }>();
    expect(audit).not.toBeNull();
    expect(audit!.actor_id).toBe(manager.user.id);
    expect(JSON.parse(audit!.details)).toMatchObject({ from: annaRef, to: managerRef });
  });

  it("keeps the lock, the assignee and the team when the DO is evicted", async ({ expect }) => {
    const manager = await signedIn("manager");
    const [anna, ben] = await Promise.all([signedIn("agent"), signedIn("agent")]);
    const team = await createTeam(manager, [anna, ben]);
    const { id } = await customerWrites();
    await expectStatus(await call(manager, "POST", `/api/conversations/${id}/assignment`, { userId: anna.user.id, teamId: team.id }), 200);

    await evictDurableObject(env.CONVERSATION.getByName(id));
    expect(await env.CONVERSATION.getByName(id).summary()).toMatchObject({ assigneeId: anna.user.id, teamId: team.id, teamName: team.name });
    expect((await reply(ben, id, "after eviction")).status).toBe(409);
    await evictDurableObject(env.CONVERSATION.getByName(id));
    await expectStatus(await reply(anna, id, "still mine"), 201);
    expect(await detail(anna, id)).toMatchObject({ lockHolder: { id: anna.user.id }, teamId: team.id });
    expect(graph.calls).toHaveLength(1);
  });
});
