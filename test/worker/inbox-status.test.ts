/**
 * Statuses (issue 4 item 3): open, pending, snoozed (until a time; woken by the DO's alarm or by a
 * new customer message), closed (with a note and category); a customer writing to a closed thread
 * reopens it as a new episode, in the DO and in the index.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ConversationSummary } from "../../worker/contracts/api";
import { useFakeGraph } from "./helpers/fake-graph";
import { activities, call, customerWrites, expectStatus, indexRow, items, summary, type Session } from "./helpers/inbox";
import { signedIn } from "./helpers/session";

useFakeGraph();
const HOUR = 60 * 60 * 1000;

function setStatus(session: Session, id: string, body: unknown) {
  return call(session, "POST", `/api/conversations/${id}/status`, body);
}

function ref(session: Session) {
  return { id: session.user.id, name: session.user.name };
}

describe("snooze", () => {
  it("needs a time (400), in the future (422)", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id } = await customerWrites();
    const missing = await setStatus(agent, id, { status: "snoozed" });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/^until:/);
    const past = await setStatus(agent, id, { status: "snoozed", until: Date.now() - 1000 });
    expect(past.status).toBe(422);
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe("snooze_in_past");
    expect((await setStatus(agent, id, { status: "open", until: Date.now() + HOUR })).status).toBe(400);
    expect((await setStatus(agent, id, { status: "open", note: "why" })).status).toBe(400);
    expect((await setStatus(agent, id, { status: "asleep" })).status).toBe(400);
    expect((await summary(id)).status).toBe("open");
  });

  it("wakes the thread from the DO's alarm", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id } = await customerWrites();
    const until = Date.now() + 2 * HOUR;
    const body = await expectStatus<{ conversation: ConversationSummary }>(await setStatus(agent, id, { status: "snoozed", until }), 200);
    expect(body.conversation).toMatchObject({ status: "snoozed", snoozedUntil: until });
    expect(await indexRow(id)).toMatchObject({ status: "snoozed", snoozed_until: until });
    const stub = env.CONVERSATION.getByName(id);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBe(until);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await indexRow(id)).toMatchObject({ status: "open", snoozed_until: null });
    expect(await activities(id)).toEqual([
      { kind: "status_changed", actor: ref(agent), status: "snoozed", until },
      { kind: "snooze_ended", actor: null, status: "open" },
    ]);
    // At-least-once alarms: running it again wakes nothing twice.
    await runDurableObjectAlarm(stub);
    expect((await indexRow(id))!.status).toBe("open");
    expect(await activities(id)).toHaveLength(2);
  });

  it("wakes the thread when the customer writes, and the alarm then does nothing", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id, from } = await customerWrites();
    await expectStatus(await setStatus(agent, id, { status: "snoozed", until: Date.now() + HOUR }), 200);
    // Meta's timestamps have second precision: the customer writes a second later.
    await customerWrites({ from, text: "Hello? Anyone?", at: Date.now() + 1000 });
    expect(await indexRow(id)).toMatchObject({ status: "open", snoozed_until: null, episode: 1 });
    const thread = await items(id);
    // The wake-up sits just before the message that caused it.
    expect(thread.slice(-2).map((m) => [m.type, m.activity?.kind ?? m.text])).toEqual([
      ["activity", "snooze_ended"],
      ["text", "Hello? Anyone?"],
    ]);
    const timers = await runInDurableObject(env.CONVERSATION.getByName(id), (_i, state) =>
      state.storage.sql.exec("SELECT kind FROM timers WHERE kind = 'snooze'").toArray(),
    );
    expect(timers).toEqual([]);
  });
});

describe("close and reopen", () => {
  it("keeps the closing note and category, and a customer writing starts episode 2", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id, from } = await customerWrites();
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/claim`), 200);
    const closed = await expectStatus<{ conversation: ConversationSummary }>(
      await setStatus(agent, id, { status: "closed", note: "  Refund sent.  ", category: "resolved" }),
      200,
    );
    expect(closed.conversation).toMatchObject({ status: "closed", episode: 1 });
    expect((await activities(id)).at(-1)).toEqual({
      kind: "status_changed",
      actor: ref(agent),
      status: "closed",
      note: "Refund sent.",
      category: "resolved",
    });

    await customerWrites({ from, text: "One more thing", at: Date.now() + 1000 });
    expect(await indexRow(id)).toMatchObject({ status: "open", episode: 2 });
    const detail = await expectStatus<ConversationSummary>(await call(agent, "GET", `/api/conversations/${id}`), 200);
    expect(detail).toMatchObject({ status: "open", episode: 2, assigneeId: agent.user.id });
    const thread = await items(id);
    expect(thread.slice(-2).map((m) => [m.type, m.activity ?? m.text])).toEqual([
      ["activity", { kind: "reopened", actor: null, status: "open", episode: 2 }],
      ["text", "One more thing"],
    ]);
    // A third message in the same episode is just a message.
    await customerWrites({ from, text: "Thanks", at: Date.now() + 2000 });
    expect((await indexRow(id))!.episode).toBe(2);
  });

  it("reopening by hand is not a new episode", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id } = await customerWrites();
    await expectStatus(await setStatus(agent, id, { status: "closed" }), 200);
    await expectStatus(await setStatus(agent, id, { status: "open" }), 200);
    expect(await indexRow(id)).toMatchObject({ status: "open", episode: 1 });
  });

  it("lets an agent change only a thread they hold or nobody holds", async ({ expect }) => {
    const manager = await signedIn("manager");
    const [anna, ben] = await Promise.all([signedIn("agent"), signedIn("agent")]);
    const { id } = await customerWrites();
    await expectStatus(await call(anna, "POST", `/api/conversations/${id}/claim`), 200);
    // Ben cannot see Anna's thread: 404.
    expect((await setStatus(ben, id, { status: "closed" })).status).toBe(404);
    await expectStatus(await setStatus(anna, id, { status: "pending" }), 200);
    await expectStatus(await setStatus(manager, id, { status: "closed", category: "spam" }), 200);
    expect((await indexRow(id))!.status).toBe("closed");
    // Setting the same status again records nothing new.
    const before = (await activities(id)).length;
    await expectStatus(await setStatus(manager, id, { status: "closed", category: "spam" }), 200);
    expect(await activities(id)).toHaveLength(before);
  });
});
