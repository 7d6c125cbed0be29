/**
 * Meta at its worst, against the real app under wrangler dev (real D1 and Durable Objects; only
 * the Graph API is a fake, served from this process):
 * - every inbound webhook is delivered 3–10 times concurrently, messages arrive out of Meta's
 *   timestamp order and several customers share one webhook;
 * - replies are POSTed with Idempotency-Keys, some keys several times at once (a client retrying);
 * - the Graph API fails the first attempt of every fourth message — a fifth of all calls — with
 *   429, 500, a reset before accepting, a reset after accepting (the answer is lost) or a call
 *   that hangs past Chorus's 15 s timeout;
 * - Meta's statuses for each accepted message come shuffled, some dropped, some repeated.
 * The history is checked at the end: no inbound message lost or duplicated, threads ordered by
 * Meta's timestamp, each reply accepted by the Graph API exactly once, statuses monotonic and
 * ending at the best one Meta sent.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDevServer, type DevServer } from "../node/dev-server";
import { ChorusClient } from "./harness/chorus-client";
import { startFakeGraph, type FakeGraph, type GraphAction, type GraphCall } from "./harness/fake-graph";
import {
  checkInbound,
  checkOrder,
  checkOutbound,
  checkStatuses,
  History,
  pool,
  seededRandom,
  shuffle,
  sleep,
} from "./harness/history";
import { envelope, inboundValue, newWamid, postWebhook, statusValue, type Customer, type InboundSpec } from "./harness/meta";

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
const random = seededRandom(SEED);
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

const CUSTOMERS = 24;
const MESSAGES_PER_CUSTOMER = 5;
const REPLIES_PER_THREAD = 2;
const FAILURE_KINDS: GraphAction[] = ["429", "500", "reset", "accept-then-reset", "hang"];

let graph: FakeGraph;
let server: DevServer;
let owner: ChorusClient;
let socket: WebSocket | undefined;
const history = new History();
const statusDeliveries: Promise<void>[] = [];

beforeAll(async () => {
  graph = await startFakeGraph();
  server = await startDevServer({ graphApiUrl: graph.url });
  owner = new ChorusClient(server.url);
  await owner.setupOwner();
  socket = await owner.openEvents((event) => history.recordSocketEvent(event));
});

afterAll(async () => {
  if (process.env.FAULT_LOG === "1") console.info(server?.output());
  socket?.close();
  await server?.stop();
  await graph?.close();
});

/** wrangler dev's own 503 while it restarts the runtime ("Your worker restarted mid-request"). */
function runtimeHiccup(answer: { status: number; body: string }): boolean {
  return answer.status === 503 && /restarted mid-request/i.test(answer.body);
}

/** Meta's statuses for an accepted message: shuffled, some dropped (never all), some repeated. */
function playMetaStatuses(call: GraphCall): void {
  const all = ["sent", "delivered", "read"] as const;
  let kept = all.filter(() => random() > 0.3);
  if (!kept.length) kept = [all[int(0, 2)]!];
  const deliveries = shuffle(kept, random).flatMap((status) => Array.from({ length: int(1, 3) }, () => status));
  for (const status of deliveries) {
    const delay = int(20, 1500);
    statusDeliveries.push(
      (async () => {
        await sleep(delay);
        const payload = envelope([
          statusValue([{ wamid: call.wamid!, status, at: Date.now(), recipient: call.body.to, callbackData: call.body.biz_opaque_callback_data }]),
        ]);
        for (let attempt = 0; attempt < 5; attempt++) {
          const res = await postWebhook(server.url, server.appSecret, payload);
          if (res.status === 200) {
            const set = history.statusesDelivered.get(call.messageId!) ?? new Set<string>();
            set.add(status);
            history.statusesDelivered.set(call.messageId!, set);
            return;
          }
          await sleep(500);
        }
      })(),
    );
  }
}

describe("deliveries under faults", () => {
  it(`keeps every inbound and outbound message exactly once (seed ${SEED})`, { timeout: 240_000 }, async ({ expect }) => {
    // ---- inbound: duplicated, concurrent, out of order -----------------------------------------
    const customers: Customer[] = Array.from({ length: CUSTOMERS }, (_, i) => ({
      waId: `1555300${String(i).padStart(4, "0")}`,
      name: `Fault Customer ${i}`,
    }));
    const base = Date.now() - 3_600_000;
    const specs: InboundSpec[] = customers.flatMap((customer) =>
      Array.from({ length: MESSAGES_PER_CUSTOMER }, (_, j) => {
        const spec = { customer, wamid: newWamid("IN"), at: base + int(0, 1800) * 1000, content: { body: `m${j} of ${customer.waId}` } };
        history.inbound.set(spec.wamid, { wamid: spec.wamid, waId: customer.waId, at: spec.at, text: spec.content.body, acknowledged: false });
        return spec;
      }),
    );
    // Shuffled (arrival ≠ Meta's order), then batched: 1–4 messages per webhook, one value per customer.
    const webhooks: InboundSpec[][] = [];
    const shuffled = shuffle(specs, random);
    for (let i = 0; i < shuffled.length; ) {
      const n = int(1, 4);
      webhooks.push(shuffled.slice(i, i + n));
      i += n;
    }
    let deliveries = 0;
    let runtimeHiccups = 0;
    await pool(webhooks, 8, async (batch) => {
      const byCustomer = new Map<string, InboundSpec[]>();
      for (const s of batch) byCustomer.set(s.customer.waId, [...(byCustomer.get(s.customer.waId) ?? []), s]);
      const payload = envelope([...byCustomer.values()].map((group) => inboundValue(group)));
      // Meta retries what was not acknowledged; a bounded number of rounds here.
      for (let round = 0; round < 5; round++) {
        const copies = int(3, 10);
        deliveries += copies;
        const answers = await Promise.all(Array.from({ length: copies }, () => postWebhook(server.url, server.appSecret, payload)));
        // A 503 from the runtime itself (wrangler dev restarting workerd mid-request) is one more
        // fault Meta handles by redelivering; a 500 from Chorus would be a bug.
        for (const a of answers) {
          if (runtimeHiccup(a)) runtimeHiccups++;
          else expect(a.status, a.body).toBeLessThan(500);
        }
        if (answers.some((a) => a.status === 200)) {
          for (const s of batch) history.inbound.get(s.wamid)!.acknowledged = true;
          return;
        }
        await sleep(500);
      }
    });
    expect(deliveries).toBeGreaterThanOrEqual(3 * webhooks.length);
    expect([...history.inbound.values()].every((r) => r.acknowledged)).toBe(true);

    const conversations = await owner.allConversations();
    const threadOf = new Map(conversations.map((c) => [c.contact.waId!, c.id]));
    expect(conversations.length).toBe(CUSTOMERS);

    // ---- outbound: idempotency keys, Graph failures, shuffled statuses ---------------------------
    const messageOrdinal = new Map<string, number>();
    graph.policy = ({ messageId, attempt }) => {
      const key = messageId ?? "none";
      if (!messageOrdinal.has(key)) messageOrdinal.set(key, messageOrdinal.size);
      const ordinal = messageOrdinal.get(key)!;
      if (attempt === 1 && ordinal % 4 === 0) return FAILURE_KINDS[(ordinal / 4) % FAILURE_KINDS.length]!;
      return "accept";
    };
    graph.onAccepted = playMetaStatuses;

    await pool(customers, 8, async (customer) => {
      const conversationId = threadOf.get(customer.waId)!;
      for (let r = 0; r < REPLIES_PER_THREAD; r++) {
        const key = `fault-${SEED}-${customer.waId}-${r}`;
        const record = { conversationId, idempotencyKey: key, answers: [] as Array<{ status: number; messageId: string | null; replayed: boolean }> };
        history.sends.set(key, record);
        const copies = r === 0 && Number(customer.waId) % 3 === 0 ? 3 : 1;
        // Like a real client: no answer or the runtime's 503 → the same POST again, same key.
        const postWithRetry = async () => {
          for (let attempt = 1; ; attempt++) {
            const a = await owner.request("POST", `/api/conversations/${conversationId}/messages`, { text: `reply ${r} to ${customer.name}` }, { "Idempotency-Key": key });
            if (!runtimeHiccup({ status: a.status, body: JSON.stringify(a.json) }) || attempt >= 4) return a;
            runtimeHiccups++;
            await sleep(1000);
          }
        };
        const answers = await Promise.all(Array.from({ length: copies }, postWithRetry));
        for (const a of answers) {
          record.answers.push({ status: a.status, messageId: (a.json as any)?.message?.id ?? null, replayed: a.headers.get("idempotent-replayed") === "true" });
          if (a.status !== 201) console.info(`reply ${key} answered ${a.status}: ${JSON.stringify(a.json)}`);
        }
      }
    });
    for (const send of history.sends.values()) for (const a of send.answers) expect(a.status, `${JSON.stringify(a)}\n${server.output().split("\n").filter((l) => /\[ERROR\]|Uncaught|503/.test(l)).slice(0, 20).join("\n")}`).toBe(201);
    const failedCalls = graph.calls.filter((c) => c.action !== "accept").length;

    // Wait (bounded) until every reply is settled: accepted once, and at the best status Meta sent.
    const accepted = history.acceptedMessageIds();
    const deadline = Date.now() + 150_000;
    let threads = new Map<string, any[]>();
    for (;;) {
      // Read the threads only after every status webhook scheduled so far was delivered, and
      // accept the read only if no new one was scheduled meanwhile (a late Graph accept).
      const scheduled = statusDeliveries.length;
      await Promise.all(statusDeliveries);
      threads = new Map(await Promise.all(conversations.map(async (c) => [c.id, await owner.allMessages(c.id)] as [string, any[]])));
      const outbound = [...threads.values()].flat().filter((m) => m.direction === "out");
      const settled =
        outbound.length === accepted.size &&
        outbound.every((m) => m.status !== "queued") &&
        graph.accepted().length >= accepted.size &&
        statusDeliveries.length === scheduled;
      if (settled || Date.now() > deadline) break;
      await sleep(2000);
    }
    await sleep(1000); // let the last live events arrive

    // ---- invariants -----------------------------------------------------------------------------
    const finalStatus = new Map<string, string>();
    for (const messages of threads.values()) for (const m of messages) if (m.direction === "out") finalStatus.set(m.id, m.status);
    const messagesOnly = new Map([...threads].map(([id, list]) => [id, list.filter((m) => m.direction === "in" || m.direction === "out")]));

    expect(checkInbound(history, messagesOnly, (waId) => threadOf.get(waId))).toEqual([]);
    expect(checkOrder(messagesOnly)).toEqual([]);
    expect(checkOutbound(history, graph.calls)).toEqual([]);
    const statusViolations = checkStatuses(history, finalStatus);
    for (const v of statusViolations) {
      const id = /message (msg_\w+)/.exec(v)?.[1];
      console.info(v, JSON.stringify({
        calls: graph.calls.filter((c) => c.messageId === id).map((c) => ({ seq: c.seq, at: c.at, action: c.action, wamid: c.wamid, abandoned: c.abandoned })),
        socket: history.socket.filter((o) => o.messageId === id),
      }));
    }
    expect(statusViolations).toEqual([]);
    // The D1 index caught up with every thread: its last activity is the newest message's time.
    const index = new Map((await owner.allConversations()).map((c) => [c.id, c]));
    for (const [id, messages] of messagesOnly) {
      const newest = Math.max(...messages.map((m) => m.timestamp));
      expect(index.get(id)?.lastMessageAt, id).toBe(newest);
    }

    // The scenario really happened as described.
    expect(failedCalls / graph.calls.length).toBeGreaterThanOrEqual(0.15);
    expect(new Set(graph.calls.map((c) => c.action))).toEqual(new Set(["accept", ...FAILURE_KINDS]));
    expect(history.socket.length).toBeGreaterThan(0);
    console.info(
      `delivery faults (seed ${SEED}): ${specs.length} inbound messages in ${webhooks.length} webhooks, ${deliveries} deliveries` +
        `${runtimeHiccups ? ` (${runtimeHiccups} runtime restarts answered 503 and were redelivered)` : ""}; ` +
        `${accepted.size} replies, ${graph.calls.length} Graph calls of which ${failedCalls} failed ` +
        `(${[...new Set(graph.calls.map((c) => c.action))].join(", ")}); ${statusDeliveries.length} status webhooks`,
    );
  });
});
