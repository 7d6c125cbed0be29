/**
 * Durable Objects aborted mid-send: replies are in flight to the Graph API (which holds them, so
 * they are mid-call) and inbound webhooks are arriving when the whole runtime is killed with
 * SIGKILL — no shutdown, the way a machine dies. wrangler dev then starts again on the same
 * persisted state. The client retries what it never got an answer for (with the same
 * Idempotency-Key), Meta redelivers what was not acknowledged, and the outbox must finish by
 * itself: every reply accepted by the Graph API exactly once, every acknowledged inbound message
 * stored exactly once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, it } from "vitest";
import { freePort, startDevServer, type DevServer } from "../node/dev-server";
import { ChorusClient } from "./harness/chorus-client";
import { startFakeGraph, type FakeGraph } from "./harness/fake-graph";
import { checkInbound, checkOrder, checkOutbound, History, sleep } from "./harness/history";
import { envelope, newWamid, postWebhook, statusValue, textWebhook, type Customer } from "./harness/meta";

const THREADS = 3;
const REPLIES_PER_THREAD = 2;

let graph: FakeGraph | undefined;
let server: DevServer | undefined;
const stateDir = mkdtempSync(path.join(tmpdir(), "chorus-restart-"));

afterAll(async () => {
  await server?.stop();
  await graph?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("a crash mid-send", () => {
  it("finishes the outbox after a restart: every reply sent once, every acknowledged message kept", { timeout: 240_000 }, async ({ expect }) => {
    const history = new History();
    graph = await startFakeGraph();
    // Until the crash the Graph API never answers: every first call is caught mid-flight.
    graph.policy = () => "hang";
    const port = await freePort();
    server = await startDevServer({ graphApiUrl: graph.url, stateDir, port });
    const { appSecret, verifyToken } = server;
    const owner = new ChorusClient(server.url);
    await owner.setupOwner();

    const customers: Customer[] = Array.from({ length: THREADS }, (_, i) => ({ waId: `1555400${String(i).padStart(4, "0")}`, name: `Restart ${i}` }));
    const inboundWebhook = (customer: Customer, text: string) => {
      const wamid = newWamid("RS");
      const at = Date.now() - 60_000 + history.inbound.size * 1000;
      history.inbound.set(wamid, { wamid, waId: customer.waId, at, text, acknowledged: false });
      return { wamid, payload: textWebhook(customer, text, at, wamid) };
    };
    for (const customer of customers) {
      const { wamid, payload } = inboundWebhook(customer, "hello before the crash");
      const res = await postWebhook(server.url, appSecret, payload);
      expect(res.status).toBe(200);
      history.inbound.get(wamid)!.acknowledged = true;
    }
    const threadOf = new Map((await owner.allConversations()).map((c) => [c.contact.waId!, c.id]));

    // Replies: the first of each thread goes to the Graph API and hangs there; the second waits
    // behind it in the thread's outbox.
    const inFlight: Array<{ conversationId: string; key: string; text: string; answer: Promise<number | string> }> = [];
    const post = (customer: Customer, r: number) => {
      const conversationId = threadOf.get(customer.waId)!;
      const key = `restart-${customer.waId}-${r}`;
      const text = `reply ${r} before the crash`;
      history.sends.set(key, { conversationId, idempotencyKey: key, answers: [] });
      const answer = owner
        .request("POST", `/api/conversations/${conversationId}/messages`, { text }, { "Idempotency-Key": key })
        .then((a) => {
          history.sends.get(key)!.answers.push({ status: a.status, messageId: a.json?.message?.id ?? null, replayed: false });
          return a.status;
        })
        .catch((err: Error) => `no answer: ${err.message}`);
      inFlight.push({ conversationId, key, text, answer });
    };
    for (const customer of customers) post(customer, 0);
    // Every first reply is inside its Graph API call now (Chorus aborts a call after 15 s, so
    // the crash must come well before that).
    await expect.poll(() => graph!.calls.filter((c) => c.action === "hang").length, { timeout: 10_000, interval: 50 }).toBe(THREADS);
    for (const customer of customers) for (let r = 1; r < REPLIES_PER_THREAD; r++) post(customer, r);
    await sleep(300);
    // Inbound webhooks keep arriving while the runtime dies.
    const inboundDuringCrash: Array<{ wamid: string; payload: unknown; status: Promise<number> }> = [];
    for (let i = 0; i < 12; i++) {
      const { wamid, payload } = inboundWebhook(customers[i % THREADS]!, `during the crash ${i}`);
      inboundDuringCrash.push({ wamid, payload, status: postWebhook(server.url, appSecret, payload, { timeoutMs: 20_000 }).then((r) => r.status) });
      if (i === 5) await server.kill();
    }
    await server.kill();
    const crashAnswers = await Promise.all(inFlight.map((f) => f.answer));
    const unanswered = inFlight.filter((_, i) => typeof crashAnswers[i] === "string");
    // Calls were cut off inside the Graph API by the crash: Chorus never learnt how they ended.
    expect(graph.calls.filter((c) => c.abandoned).length).toBeGreaterThanOrEqual(1);
    expect(unanswered.length).toBeGreaterThanOrEqual(1);
    expect(graph.accepted()).toHaveLength(0);

    // Restart on the same state; the Graph API works again and Meta sends statuses as usual.
    graph.policy = () => "accept";
    graph.onAccepted = (call) => {
      void postWebhook(
        `http://localhost:${port}`,
        appSecret,
        envelope([statusValue([{ wamid: call.wamid!, status: "delivered", at: Date.now(), recipient: call.body.to, callbackData: call.body.biz_opaque_callback_data }])]),
      );
    };
    const crashedAt = Date.now();
    server = await startDevServer({ graphApiUrl: graph.url, stateDir, port, appSecret, verifyToken });

    // Meta redelivers every webhook it did not get a 200 for.
    for (const item of inboundDuringCrash) {
      if ((await item.status) === 200) {
        history.inbound.get(item.wamid)!.acknowledged = true;
        continue;
      }
      const res = await postWebhook(server.url, appSecret, item.payload);
      expect(res.status).toBe(200);
      history.inbound.get(item.wamid)!.acknowledged = true;
    }
    // The client retries every reply it got no answer for, with the same key: the first answer comes back.
    for (const f of unanswered) {
      const res = await owner.request("POST", `/api/conversations/${f.conversationId}/messages`, { text: f.text }, { "Idempotency-Key": f.key });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      history.sends.get(f.key)!.answers.push({ status: res.status, messageId: res.json.message.id, replayed: res.headers.get("idempotent-replayed") === "true" });
    }

    // The outbox finishes on its own (the sending rows are retried after their grace delay).
    const accepted = history.acceptedMessageIds();
    expect(accepted.size).toBe(THREADS * REPLIES_PER_THREAD);
    await expect
      .poll(() => graph!.accepted().filter((c) => c.messageId && accepted.has(c.messageId)).length, { timeout: 120_000, interval: 1000 })
      .toBe(accepted.size);
    const threads = new Map<string, any[]>();
    await expect
      .poll(
        async () => {
          for (const id of threadOf.values()) threads.set(id, await owner.allMessages(id));
          return [...threads.values()].flat().filter((m) => m.direction === "out" && m.status !== "delivered").length;
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(0);

    expect(checkOutbound(history, graph.calls)).toEqual([]);
    expect(checkInbound(history, threads, (waId) => threadOf.get(waId))).toEqual([]);
    expect(checkOrder(threads)).toEqual([]);
    // Replies keep their order in each thread (reply 0 before reply 1) — the outbox drained in line.
    for (const [id, messages] of threads) {
      const replies = messages.filter((m) => m.direction === "out").reverse().map((m) => m.text);
      expect(replies, id).toEqual(Array.from({ length: REPLIES_PER_THREAD }, (_, r) => `reply ${r} before the crash`));
    }
    console.info(
      `restart: ${unanswered.length} replies unanswered at the crash, ${graph.calls.filter((c) => c.abandoned).length} Graph calls cut off; ` +
        `outbox finished ${Math.round((Date.now() - crashedAt) / 1000)} s after the crash with ${graph.accepted().length} accepted sends`,
    );
  });
});
