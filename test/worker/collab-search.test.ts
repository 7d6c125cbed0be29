/**
 * Search (GET /api/search and the search-index service): D1 FTS5 over message text with the
 * trigram tokenizer (Japanese without spaces, partial words), contact names and numbers, snippets
 * with highlight ranges, filters, paging — and visibility: an agent never finds text in a thread
 * they may not open.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import type { SearchHit } from "../../worker/contracts/collaboration";
import { indexMessageText, searchConversationIds, searchTerms, snippet, threadMatchSql } from "../../worker/services/search-index";
import { binder } from "../../worker/services/thread-visibility";
import { writeSettings } from "../../worker/settings";
import { useFakeGraph } from "./helpers/fake-graph";
import { api, indexThread, newThread, reply, type Session } from "./helpers/collab-threads";
import { signedIn } from "./helpers/session";

useFakeGraph();

type Search = { results: SearchHit[]; nextCursor: string | null };

let owner: Session;
let anna: Session; // agent
let ben: Session; // agent
const t = {} as Record<"tokyo" | "invoice" | "annas" | "older", { id: string; waId: string }>;

async function search(session: Session, query: string): Promise<Search> {
  const res = await api(session, "GET", `/api/search?${query}`);
  if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Search;
}

const ids = (s: Search) => s.results.map((r) => r.conversation.id);

beforeAll(async () => {
  const now = Date.now();
  owner = await signedIn("owner");
  anna = await signedIn("agent", { name: "Anna Sato" });
  ben = await signedIn("agent", { name: "Ben Ito" });
  t.older = await newThread({ name: "Olga Petrova", text: "An old question about my invoice", at: now - 50 * 60_000 });
  t.tokyo = await newThread({ name: "山田 花子", text: "東京駅で待っています。よろしくお願いします", at: now - 40 * 60_000 });
  t.invoice = await newThread({ name: "Bob Stone", text: "My invoice 4471 is wrong, please check the invoice again", at: now - 30 * 60_000 });
  t.annas = await newThread({ name: "Carla Mendes", text: "Here is my private invoice number 9912", at: now - 20 * 60_000 });
  // Anna replies to Carla: the thread becomes Anna's, so Ben may no longer see it.
  await reply(anna, t.annas.id, "Thanks Carla, checking the zebra account now");
  for (const thread of Object.values(t)) await indexThread(thread.id);
});

describe("GET /api/search", () => {
  it("finds Japanese text without spaces, through the index (3+ characters) and the short-term fallback", async ({ expect }) => {
    const long = await search(owner, `q=${encodeURIComponent("待って")}`);
    expect(ids(long)).toEqual([t.tokyo.id]);
    expect(long.results[0]!.snippets).toHaveLength(1);
    const s = long.results[0]!.snippets[0]!;
    expect(s.text.slice(s.highlights[0]!.start, s.highlights[0]!.end)).toBe("待って");
    expect(long.results[0]!.contactMatched).toBe(false);

    const short = await search(owner, `q=${encodeURIComponent("東京")}`);
    expect(ids(short)).toEqual([t.tokyo.id]);
    // The contact's Japanese name, too.
    expect(ids(await search(owner, `q=${encodeURIComponent("花子")}`))).toEqual([t.tokyo.id]);
  });

  it("matches parts of words, case-insensitively, newest activity first, with every match highlighted", async ({ expect }) => {
    const found = await search(owner, "q=INVOI");
    expect(ids(found)).toEqual([t.annas.id, t.invoice.id, t.older.id]);
    const bob = found.results[1]!;
    // The same summary as the conversation list's (team, episode, snooze included).
    expect(bob.conversation).toMatchObject({ id: t.invoice.id, contact: { name: "Bob Stone", waId: t.invoice.waId }, teamId: null, teamName: null });
    const listed = await api(owner, "GET", `/api/conversations/${t.invoice.id}`);
    const { channel: _channel, lockHolder: _lock, ...summary } = (await listed.json()) as Record<string, unknown>;
    expect(bob.conversation).toEqual(summary);
    const s = bob.snippets[0]!;
    expect(s.highlights.map((h) => s.text.slice(h.start, h.end))).toEqual(["invoi", "invoi"]);
    expect(s.createdAt).toEqual(expect.any(Number));
  });

  it("needs every word in the same message", async ({ expect }) => {
    expect(ids(await search(owner, "q=invoice%204471"))).toEqual([t.invoice.id]);
    expect(ids(await search(owner, "q=invoice%20zebra"))).toEqual([]);
    expect(ids(await search(owner, `q=${encodeURIComponent('"invoice number"')}`))).toEqual([t.annas.id]);
  });

  it("finds the agent's own replies and contact names and numbers", async ({ expect }) => {
    expect(ids(await search(owner, "q=zebra"))).toEqual([t.annas.id]);
    const byName = await search(owner, "q=mendes");
    expect(ids(byName)).toEqual([t.annas.id]);
    expect(byName.results[0]!.contactMatched).toBe(true);
    expect(byName.results[0]!.snippets).toEqual([]);
    // A number typed the way people write it: +, spaces and dashes are ignored.
    const digits = t.invoice.waId;
    const typed = `+${digits.slice(0, 1)} ${digits.slice(1, 4)}-${digits.slice(4)}`;
    expect(ids(await search(owner, `q=${encodeURIComponent(typed)}`))).toEqual([t.invoice.id]);
  });

  it("an agent never finds text in a thread assigned to someone else", async ({ expect }) => {
    // Ben sees the unassigned threads but not Carla's, which Anna holds — not by its text,
    // not by the contact's name, not by Anna's reply.
    expect(ids(await search(ben, "q=invoice"))).toEqual([t.invoice.id, t.older.id]);
    expect(ids(await search(ben, "q=9912"))).toEqual([]);
    expect(ids(await search(ben, "q=Carla"))).toEqual([]);
    expect(ids(await search(ben, "q=zebra"))).toEqual([]);
    // Anna, who holds it, and the owner find it.
    expect(ids(await search(anna, "q=9912"))).toEqual([t.annas.id]);
    expect(ids(await search(owner, "q=9912"))).toEqual([t.annas.id]);
    // The service applies the same rule for the list's q.
    expect(await searchConversationIds(env.DB, "9912", { limit: 10, visibleTo: ben.user })).toEqual([]);
    expect(await searchConversationIds(env.DB, "9912", { limit: 10, visibleTo: anna.user })).toEqual([t.annas.id]);
  });

  it("gives the conversation list a condition to AND into its own query", async ({ expect }) => {
    const binds: unknown[] = ["open"];
    const condition = threadMatchSql("invoice 4471", binder(binds));
    const { results } = await env.DB.prepare(
      `SELECT c.id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.status = ?1 AND ${condition}`,
    )
      .bind(...binds)
      .all<{ id: string }>();
    expect(results.map((r) => r.id)).toEqual([t.invoice.id]);
    expect(threadMatchSql("   ", binder([]))).toBeNull();
  });

  it("lets agents find every thread when the workspace lets them see all", async ({ expect }) => {
    await writeSettings(env.DB, { agentsSeeAllConversations: true });
    try {
      expect(ids(await search(ben, "q=9912"))).toEqual([t.annas.id]);
    } finally {
      await writeSettings(env.DB, { agentsSeeAllConversations: false });
    }
    expect(ids(await search(ben, "q=9912"))).toEqual([]);
  });

  it("keeps an unassigned team thread to that team's agents", async ({ expect }) => {
    const team = "team_search_billing";
    const before = Date.now();
    await env.DB.prepare("INSERT INTO teams (id, name, created_at) VALUES (?, 'Billing search', ?)").bind(team, before).run();
    await env.DB.prepare("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)").bind(team, anna.user.id).run();
    // The routing that sets a thread's team belongs to the assignment work; set the index column directly.
    await env.DB.prepare("UPDATE conversations SET team_id = ? WHERE id = ?").bind(team, t.older.id).run();
    try {
      expect(ids(await search(ben, "q=old%20question"))).toEqual([]);
      expect(ids(await search(anna, "q=old%20question"))).toEqual([t.older.id]);
      expect(ids(await search(owner, "q=old%20question"))).toEqual([t.older.id]);
    } finally {
      await env.DB.prepare("UPDATE conversations SET team_id = NULL WHERE id = ?").bind(t.older.id).run();
    }
  });

  it("applies the inbox filters", async ({ expect }) => {
    expect(ids(await search(owner, `q=invoice&assignee=${anna.user.id}`))).toEqual([t.annas.id]);
    expect(ids(await search(owner, "q=invoice&assignee=unassigned"))).toEqual([t.invoice.id, t.older.id]);
    expect(ids(await search(anna, "q=invoice&assignee=me"))).toEqual([t.annas.id]);
    expect(ids(await search(owner, "q=invoice&status=closed"))).toEqual([]);
    expect(ids(await search(owner, "q=invoice&window=open"))).toHaveLength(3);
    expect(ids(await search(owner, "q=invoice&window=closed"))).toEqual([]);
    // Anna's reply marked Carla's thread read; the others have an unread customer message.
    expect(ids(await search(owner, "q=invoice&unread=true"))).toEqual([t.invoice.id, t.older.id]);
    expect(ids(await search(owner, "q=invoice&unread=false"))).toEqual([t.annas.id]);

    const label = await api(owner, "POST", "/api/labels", { name: "Billing", color: "#aa3300" });
    const { label: billing } = (await label.json()) as { label: { id: string } };
    await api(owner, "POST", `/api/conversations/${t.invoice.id}/labels`, { labelId: billing.id });
    expect(ids(await search(owner, `q=invoice&label=${billing.id}`))).toEqual([t.invoice.id]);
  });

  it("pages with an opaque cursor", async ({ expect }) => {
    const first = await search(owner, "q=invoice&limit=2");
    expect(ids(first)).toEqual([t.annas.id, t.invoice.id]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await search(owner, `q=invoice&limit=2&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([t.older.id]);
    expect(second.nextCursor).toBeNull();
  });

  it("treats FTS5 syntax in a query as text, never as an error", async ({ expect }) => {
    for (const q of ['"unbalanced', "invoice OR *", "NEAR(a b)", "col:value", "^start", "a AND", "((("]) {
      const res = await api(owner, "GET", `/api/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
  });

  it("answers bad requests with 400 and anonymous ones with 401", async ({ expect }) => {
    const missing = await api(owner, "GET", "/api/search");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: "invalid_request", message: expect.stringContaining("q") } });
    expect((await api(owner, "GET", "/api/search?q=%20%20")).status).toBe(400);
    expect((await api(owner, "GET", `/api/search?q=${"x".repeat(201)}`)).status).toBe(400);
    expect((await api(owner, "GET", "/api/search?q=invoice&cursor=nonsense")).status).toBe(400);
    expect((await api(owner, "GET", "/api/search?q=invoice&limit=0")).status).toBe(400);
    expect((await api(owner, "GET", "/api/search?q=invoice&window=maybe")).status).toBe(400);
    const anonymous = await api(null, "GET", "/api/search?q=invoice");
    expect(anonymous.status).toBe(401);
  });
});

describe("indexMessageText", () => {
  it("is idempotent per message and follows an edit", async ({ expect }) => {
    const thread = await newThread({ name: "Edit Person", text: "first words" });
    const item = { conversationId: thread.id, messageId: "msg_edit_1", text: "A quokka smiles", createdAt: Date.now() };
    await indexMessageText(env.DB, item);
    await indexMessageText(env.DB, item);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM message_search WHERE message_id = ?").bind("msg_edit_1").first<{ n: number }>();
    expect(rows!.n).toBe(1);
    expect(ids(await search(owner, "q=quokka"))).toEqual([thread.id]);

    await indexMessageText(env.DB, { ...item, text: "A wombat frowns" });
    expect(ids(await search(owner, "q=quokka"))).toEqual([]);
    expect(ids(await search(owner, "q=wombat"))).toEqual([thread.id]);
    // The index holds exactly one entry for the message (the trigger removed the old text).
    const hits = await env.DB.prepare("SELECT count(*) AS n FROM message_search_fts WHERE message_search_fts MATCH ?").bind('"wombat"').first<{ n: number }>();
    expect(hits!.n).toBe(1);

    await indexMessageText(env.DB, { ...item, text: "   " });
    expect(ids(await search(owner, "q=wombat"))).toEqual([]);
  });
});

describe("snippets and terms", () => {
  it("splits words and quoted phrases, without duplicates", ({ expect }) => {
    expect(searchTerms(`refund "order 12" Refund  東京`)).toEqual(["refund", "order 12", "東京"]);
    expect(searchTerms("   ")).toEqual([]);
  });

  it("cuts a window around the first match and keeps highlight offsets right", ({ expect }) => {
    const text = `${"lorem ipsum ".repeat(20)}the parcel arrived broken, parcel number 7`;
    const s = snippet(text, ["parcel"], 20);
    expect(s.text.startsWith("…")).toBe(true);
    expect(s.highlights.length).toBeGreaterThanOrEqual(1);
    for (const h of s.highlights) expect(s.text.slice(h.start, h.end).toLowerCase()).toBe("parcel");
    expect(snippet("no match here", ["zzz"]).highlights).toEqual([]);
  });
});
