/**
 * Internal notes (issue 4 item 4), stored by the Conversation DO as thread items: never sent to
 * the customer, mentions resolved and notified (only people who may open the thread), text in the
 * search index; the list's last message and unread count are untouched.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { ConversationSummary, Message } from "../../worker/contracts/api";
import { useFakeGraph } from "./helpers/fake-graph";
import { call, createTeam, customerWrites, expectStatus, items, type Session } from "./helpers/inbox";
import { eventually } from "./helpers/reports";
import { signedIn } from "./helpers/session";

const graph = useFakeGraph();

function note(session: Session, id: string, text: unknown) {
  return call(session, "POST", `/api/conversations/${id}/notes`, { text });
}

describe("POST /api/conversations/:id/notes", () => {
  it("stores a note in the thread that is never sent to the customer", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id } = await customerWrites({ text: "Can I return it?" });
    const before = await expectStatus<ConversationSummary>(await call(agent, "GET", `/api/conversations/${id}`), 200);

    const body = await expectStatus<{ note: Message }>(await note(agent, id, "  Checked the order: eligible.  "), 201);
    expect(body.note).toMatchObject({
      conversationId: id,
      type: "note",
      direction: "internal",
      text: "Checked the order: eligible.",
      wamid: null,
      author: { id: agent.user.id, name: agent.user.name },
      mentions: { userIds: [], teamIds: [] },
    });
    expect(graph.calls).toHaveLength(0);
    expect((await items(id)).at(-1)).toEqual(body.note);
    // The list still shows what the customer wrote; nothing unread changed; nobody holds the thread.
    const after = await expectStatus<ConversationSummary>(await call(agent, "GET", `/api/conversations/${id}`), 200);
    expect(after).toMatchObject({
      lastMessagePreview: "Can I return it?",
      lastMessageDirection: "in",
      unreadCount: before.unreadCount,
      assigneeId: null,
    });
    expect(after.version).toBeGreaterThan(before.version);
  });

  it("refuses an empty note or one over 4096 characters (400)", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id } = await customerWrites();
    for (const text of ["   ", "x".repeat(4097), 42]) {
      const res = await note(agent, id, text);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
    await expectStatus(await note(agent, id, "x".repeat(4096)), 201);
  });

  it("resolves @mentions of people and teams, stores them on the note and notifies who may open the thread", async ({ expect }) => {
    const manager = await signedIn("manager", { name: "Maya Lead" });
    const writer = await signedIn("agent", { name: `Writer ${crypto.randomUUID().slice(0, 6)}` });
    const helper = await signedIn("agent", { name: `Helper ${crypto.randomUUID().slice(0, 6)}` });
    const teamName = `Billing${crypto.randomUUID().slice(0, 6)}`;
    const billing = await createTeam(manager, [helper], teamName);
    const { id } = await customerWrites();

    const text = `@"${manager.user.name}" and @${teamName}: refund?`;
    const body = await expectStatus<{ note: Message }>(await note(writer, id, text), 201);
    expect(body.note.mentions).toEqual({ userIds: [manager.user.id], teamIds: [billing.id] });
    const notified = await env.DB.prepare("SELECT user_id FROM notifications WHERE note_id = ? AND kind = 'mentioned' ORDER BY user_id")
      .bind(body.note.id)
      .all<{ user_id: string }>();
    // The helper is in the mentioned team and may see this team-less unassigned thread.
    expect(notified.results.map((r) => r.user_id).sort()).toEqual([manager.user.id, helper.user.id].sort());
  });

  it("puts the note's text in the search index", async ({ expect }) => {
    const agent = await signedIn("agent");
    const { id } = await customerWrites();
    const word = `zebra${crypto.randomUUID().slice(0, 8)}`;
    const body = await expectStatus<{ note: Message }>(await note(agent, id, `Customer mentioned ${word} twice`), 201);
    // Search rows reach D1 through the DEFERRED queue, a moment after the answer (issue 7).
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT conversation_id, text FROM message_search WHERE message_id = ?").bind(body.note.id).first();
      expect(row).toEqual({ conversation_id: id, text: `Customer mentioned ${word} twice` });
    });
    const found = await expectStatus<{ results: Array<{ conversation: { id: string } }> }>(
      await call(agent, "GET", `/api/search?q=${word}`),
      200,
    );
    expect(found.results.map((r) => r.conversation.id)).toEqual([id]);
  });

  it("and so is what the customer and the agents write (messages reach the search index from the DO)", async ({ expect }) => {
    const agent = await signedIn("agent");
    const word = `walrus${crypto.randomUUID().slice(0, 8)}`;
    const { id } = await customerWrites({ text: `Is the ${word} in stock?` });
    const reply = await expectStatus<{ message: Message }>(
      await call(agent, "POST", `/api/conversations/${id}/messages`, { text: `Yes, the ${word} ships today` }),
      201,
    );
    const rows = await eventually(async () => {
      const found = await env.DB.prepare("SELECT message_id, text FROM message_search WHERE conversation_id = ? ORDER BY created_at, id")
        .bind(id)
        .all<{ message_id: string; text: string }>();
      expect(found.results.map((r) => r.text)).toEqual([`Is the ${word} in stock?`, `Yes, the ${word} ships today`]);
      return found;
    });
    expect(rows.results[1]!.message_id).toBe(reply.message.id);
    // Activity items (the claim by reply) have no text and are not indexed.
    expect(rows.results).toHaveLength(2);
  });
});
