/**
 * Reports end to end through the real Conversation DO: webhooks and replies write facts in the
 * index-write batch; a replayed webhook changes no figure; failed sends, the leaderboard, the live
 * view, validation, roles and the CSV export (RFC 4180, formula escaping).
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { LeaderboardResponse, LiveSnapshot } from "../../worker/contracts/reports";
import { useFakeGraph } from "./helpers/fake-graph";
import { call, channelIdOf, expectStatus, newNumber } from "./helpers/inbox";
import { channelFigures, eventually, isoDay, MIN, settledFigures } from "./helpers/reports";
import { createUser, signedIn } from "./helpers/session";
import { conversationOf, inbound, phone, postWebhook, wamid } from "./helpers/webhook";

const graph = useFakeGraph();

async function customerWrites(options: { number: string; from: string; at: number; id?: string; text?: string }) {
  const res = await postWebhook(inbound({ from: options.from, at: options.at, phoneNumberId: options.number, id: options.id, text: options.text }));
  expect200(res.status);
  return (await conversationOf({ waId: options.from }, options.number))!;
}

function expect200(status: number) {
  if (status !== 200) throw new Error(`webhook answered ${status}`);
}

describe("facts from the Conversation DO", () => {
  it("records an episode, its first response and messages as they happen; a replayed webhook changes nothing", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const number = newNumber();
    const from = phone();
    const messageId = wamid();
    // Meta's timestamps have seconds: the customer wrote 10 minutes ago, on the second.
    const at = Math.floor((Date.now() - 10 * MIN) / 1000) * 1000;
    const id = await customerWrites({ number, from, at, id: messageId });
    const channelId = await channelIdOf(number);
    const today = isoDay(Date.now());
    const from10 = isoDay(at);

    // Facts reach D1 through the DEFERRED queue, a moment after the webhook's answer.
    const before = await settledFigures(manager, channelId, from10, today, (f) => f.messagesIn === 1);
    expect(before).toMatchObject({ opened: 1, messagesIn: 1, messagesOut: 0, closed: 0 });
    expect(before.firstResponse.count).toBe(0);

    // The same webhook again (Meta retries): no new message, no new fact.
    expect200((await postWebhook(inbound({ from, at, phoneNumberId: number, id: messageId }))).status);
    expect(await channelFigures(manager, channelId, from10, today)).toEqual(before);

    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/messages`, { text: "Hello! Happy to help." }), 201);
    const answered = await settledFigures(manager, channelId, from10, today, (f) => f.messagesOut === 1);
    expect(answered).toMatchObject({ messagesOut: 1, handled: 1 });
    expect(answered.firstResponse.count).toBe(1);
    // About 10 minutes: the reply's time is the DO's clock, a moment after the test's.
    expect(answered.firstResponse.median!).toBeGreaterThanOrEqual(10 * MIN - 1000);
    expect(answered.firstResponse.median!).toBeLessThan(10 * MIN + 60_000);
    expect(answered.response.count).toBe(1);

    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/status`, { status: "closed" }), 200);
    const closed = await settledFigures(manager, channelId, from10, today, (f) => f.closed === 1);
    expect(closed).toMatchObject({ closed: 1 });
    expect(closed.resolution.count).toBe(1);

    // Every fact is in D1 once, and the DO has nothing left to send.
    const facts = await env.DB.prepare("SELECT kind FROM report_facts WHERE conversation_id = ? ORDER BY kind").bind(id).all<{ kind: string }>();
    expect(facts.results.map((r) => r.kind)).toEqual(
      expect.arrayContaining(["assigned", "episode_closed", "episode_opened", "first_response", "handled", "message_in", "message_out", "resolution", "response", "status_changed"]),
    );
    expect(facts.results.filter((r) => r.kind === "message_in")).toHaveLength(1);
  });

  it("counts a reply Meta refused as a failed send", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const number = newNumber();
    const id = await customerWrites({ number, from: phone(), at: Date.now() - MIN });
    graph.answerNext({ kind: "error", status: 400, code: 131026, title: "Message undeliverable" });
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/messages`, { text: "Are you there?" }), 201);
    const f = await settledFigures(manager, await channelIdOf(number), isoDay(Date.now() - MIN), isoDay(Date.now()), (x) => x.failedSends > 0);
    expect(f.failedSends).toBe(1);
  });
});

describe("free entry point windows", () => {
  it("are recorded for reports: an answer to an ad thread within 24 hours counts one window, once", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const number = newNumber();
    const from = phone();
    expect200((await postWebhook(inbound({ from, at: Date.now() - 2 * MIN, phoneNumberId: number, referral: true }))).status);
    const id = (await conversationOf({ waId: from }, number))!;
    const channelId = await channelIdOf(number);
    const day = isoDay(Date.now());
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/messages`, { text: "Thanks for your interest!" }), 201);
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/messages`, { text: "Here is the catalogue." }), 201);
    // A thread without a referral earns no free window.
    const plain = await customerWrites({ number, from: phone(), at: Date.now() - MIN });
    await expectStatus(await call(agent, "POST", `/api/conversations/${plain}/messages`, { text: "Hello" }), 201);

    const figures = await settledFigures(manager, channelId, day, day, (f) => f.messagesOut === 3);
    expect(figures.freeEntryOpened).toBe(1);
    const facts = await env.DB.prepare("SELECT count(*) AS n FROM report_facts WHERE kind = 'free_entry_opened' AND channel_id = ?").bind(channelId).first<{ n: number }>();
    expect(facts?.n).toBe(1);
    const csv = await (await call(manager, "GET", `/api/reports/export.csv?table=summary&from=${day}&to=${day}`)).text();
    expect(csv).toContain("free_entry_windows");
  });
});

describe("the report routes", () => {
  it("are for Owners and Managers only", async ({ expect }) => {
    const agent = await signedIn("agent");
    for (const path of ["/api/reports/summary?from=2026-03-02&to=2026-03-08", "/api/reports/live", "/api/reports/export.csv?table=live"]) {
      const res = await expectStatus<{ error: { code: string } }>(await call(agent, "GET", path), 403);
      expect(res.error.code).toBe("forbidden");
    }
  });

  it("refuses ranges and buckets that make no sense, naming the field", async ({ expect }) => {
    const manager = await signedIn("manager");
    const cases: Array<[string, string]> = [
      ["/api/reports/summary?from=2026-02-30&to=2026-03-01", "from"],
      ["/api/reports/summary?from=2026-03-08&to=2026-03-02", "to"],
      ["/api/reports/summary?from=2025-01-01&to=2026-03-02", "to"],
      ["/api/reports/summary?from=yesterday&to=2026-03-02", "from"],
      ["/api/reports/summary?to=2026-03-02", "from"],
      ["/api/reports/breakdown?by=bucket&bucket=hour&from=2026-01-01&to=2026-03-01", "bucket"],
      ["/api/reports/breakdown?by=agent&bucket=day&from=2026-01-01&to=2026-01-02", "bucket"],
      ["/api/reports/breakdown?by=mood&from=2026-01-01&to=2026-01-02", "by"],
      ["/api/reports/export.csv?table=breakdown&from=2026-01-01&to=2026-01-02", "by"],
      ["/api/reports/export.csv?table=everything", "table"],
    ];
    for (const [path, field] of cases) {
      const res = await expectStatus<{ error: { code: string; message: string } }>(await call(manager, "GET", path), 400);
      expect(res.error.code, path).toBe("invalid_request");
      expect(res.error.message.startsWith(field), `${path}: ${res.error.message}`).toBe(true);
    }
  });

  it("lists every bucket of the range, empty ones too", async ({ expect }) => {
    const manager = await signedIn("manager");
    const week = await expectStatus<{ rows: Array<{ key: string }> }>(
      await call(manager, "GET", "/api/reports/breakdown?by=bucket&bucket=week&from=2026-03-01&to=2026-03-31"),
      200,
    );
    // Weeks start on Monday: 2026-03-01 is a Sunday.
    expect(week.rows.map((r) => r.key)).toEqual(["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"]);
    const month = await expectStatus<{ rows: Array<{ key: string }> }>(
      await call(manager, "GET", "/api/reports/breakdown?by=bucket&bucket=month&from=2026-01-15&to=2026-03-02"),
      200,
    );
    expect(month.rows.map((r) => r.key)).toEqual(["2026-01", "2026-02", "2026-03"]);
    const hours = await expectStatus<{ rows: unknown[] }>(await call(manager, "GET", "/api/reports/breakdown?by=bucket&bucket=hour&from=2026-03-01&to=2026-03-02"), 200);
    expect(hours.rows).toHaveLength(48);
  });

  it("shows agents side by side with their workload now, and the live view", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const number = newNumber();
    const id = await customerWrites({ number, from: phone(), at: Date.now() - 5 * MIN });
    await expectStatus(await call(agent, "POST", `/api/conversations/${id}/messages`, { text: "On it." }), 201);
    await customerWrites({ number, from: phone(), at: Date.now() - 50 * 60_000 - 23 * 60 * 60_000 }); // window closes in ~10 min

    const row = await eventually(async () => {
      const board = await expectStatus<LeaderboardResponse>(
        await call(manager, "GET", `/api/reports/leaderboard?from=${isoDay(Date.now() - 86_400_000)}&to=${isoDay(Date.now())}`),
        200,
      );
      const mine = board.agents.find((a) => a.agentId === agent.user.id)!;
      if (mine.handled !== 1) throw new Error("the reply's facts have not landed yet");
      return mine;
    });
    expect(row).toMatchObject({ name: agent.user.name, handled: 1, openNow: 1, pendingNow: 0, capacity: null });
    expect(row.firstResponse.count).toBe(1);

    const live = await expectStatus<LiveSnapshot>(await call(manager, "GET", "/api/reports/live"), 200);
    expect(live.agents.find((a) => a.id === agent.user.id)).toMatchObject({ open: 1, connected: false });
    expect(live.unassigned.count).toBeGreaterThanOrEqual(1);
    expect(live.windowClosingSoon.threads.some((t) => t.windowEndsAt - Date.now() < 11 * MIN)).toBe(true);
    expect(live.firstResponseToday.calendar.count).toBeGreaterThanOrEqual(1);
  });

  it("exports every table as RFC 4180 CSV, escaping what a spreadsheet would run", async ({ expect }) => {
    const manager = await signedIn("manager");
    // A name with a comma, quotes and a formula.
    const tricky = await signedIn("agent", { name: '=HYPERLINK("http://evil"), "Bob"' });
    const number = newNumber();
    const id = await customerWrites({ number, from: phone(), at: Date.now() - MIN });
    await expectStatus(await call(tricky, "POST", `/api/conversations/${id}/messages`, { text: "Hi" }), 201);
    const day = isoDay(Date.now());
    await settledFigures(manager, await channelIdOf(number), day, day, (f) => f.messagesOut === 1);

    const res = await call(manager, "GET", `/api/reports/export.csv?table=breakdown&by=agent&from=${day}&to=${day}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("Content-Disposition")).toBe(`attachment; filename="chorus-by-agent-${day}-${day}.csv"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte-order mark
    const text = new TextDecoder().decode(bytes.slice(3));
    const lines = text.split("\r\n");
    expect(lines[0]!.startsWith("key,name,opened,opened_by_agents,closed,missed,messages_in,messages_out")).toBe(true);
    // Quoted (comma, quotes doubled) and prefixed with ' so it is text, not a formula.
    expect(text).toContain(`${tricky.user.id},"'=HYPERLINK(""http://evil""), ""Bob""",`);
    expect(text.endsWith("\r\n")).toBe(true);

    for (const table of ["summary", "leaderboard", "live"]) {
      const r = await call(manager, "GET", `/api/reports/export.csv?table=${table}&from=${day}&to=${day}`);
      expect(r.status, table).toBe(200);
      expect((await r.text()).split("\r\n").length, table).toBeGreaterThan(2);
    }
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'export.created' AND actor_id = ?").bind(manager.user.id).first<{ n: number }>();
    expect(audit?.n).toBe(4);
  });

  it("keeps an agent whose name changed under their id (facts carry ids, names are read at query time)", async ({ expect }) => {
    const manager = await signedIn("manager");
    const user = await createUser("agent");
    await env.DB.prepare("UPDATE users SET name = 'Renamed Agent' WHERE id = ?").bind(user.id).run();
    const board = await expectStatus<LeaderboardResponse>(await call(manager, "GET", "/api/reports/leaderboard?from=2026-03-01&to=2026-03-02"), 200);
    expect(board.agents.find((a) => a.agentId === user.id)?.name).toBe("Renamed Agent");
  });
});
