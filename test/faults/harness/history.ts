/**
 * The history a fault scenario records (what was sent to Chorus, what it acknowledged, what
 * reached the Graph API, what the live socket said) and the invariants checked over it at the
 * end. Each check returns the list of violations (empty: it holds), so a failure names them all.
 */
import type { GraphCall } from "./fake-graph";

/** queued < sent < delivered < read < played; failed is final and outranks everything. */
const RANK: Record<string, number> = { received: 0, queued: 1, sent: 2, delivered: 3, read: 4, played: 5, failed: 6 };

export function statusRank(status: string): number {
  const rank = RANK[status];
  if (rank === undefined) throw new Error(`unknown status ${status}`);
  return rank;
}

export interface InboundRecord {
  wamid: string;
  waId: string;
  /** Meta's timestamp, epoch ms (second precision). */
  at: number;
  text: string;
  /** At least one delivery of its webhook got 200 (Chorus took responsibility for it). */
  acknowledged: boolean;
}

export interface SendRecord {
  conversationId: string;
  idempotencyKey: string;
  /** Every answer to a POST with this key (several when the client retried). */
  answers: Array<{ status: number; messageId: string | null; replayed: boolean }>;
}

export interface StatusObservation {
  messageId: string;
  conversationId: string;
  version: number;
  status: string;
}

export class History {
  inbound = new Map<string, InboundRecord>();
  sends = new Map<string, SendRecord>();
  /** Statuses Meta (the test) delivered per outbound message id, acknowledged with 200. */
  statusesDelivered = new Map<string, Set<string>>();
  /** Outbound message states seen on the live socket, in arrival order. */
  socket: StatusObservation[] = [];

  recordSocketEvent(event: any): void {
    if ((event.type === "message.created" || event.type === "message.updated") && event.message?.direction === "out") {
      this.socket.push({ messageId: event.message.id, conversationId: event.conversationId, version: event.version, status: event.message.status });
    }
  }

  /** Message ids Chorus accepted from an agent (a 201 to some POST). */
  acceptedMessageIds(): Set<string> {
    const ids = new Set<string>();
    for (const send of this.sends.values()) for (const a of send.answers) if (a.status === 201 && a.messageId) ids.add(a.messageId);
    return ids;
  }
}

/** No inbound message lost or duplicated; each thread shows exactly the acknowledged wamids once. */
export function checkInbound(history: History, threads: Map<string, any[]>, threadOf: (waId: string) => string | undefined): string[] {
  const violations: string[] = [];
  const seen = new Map<string, number>();
  for (const messages of threads.values()) {
    for (const m of messages) if (m.direction === "in") seen.set(m.wamid, (seen.get(m.wamid) ?? 0) + 1);
  }
  for (const record of history.inbound.values()) {
    const count = seen.get(record.wamid) ?? 0;
    if (record.acknowledged && count === 0) violations.push(`lost: ${record.wamid} (acknowledged with 200, not in its thread)`);
    if (count > 1) violations.push(`duplicated: ${record.wamid} appears ${count} times`);
    const conversationId = threadOf(record.waId);
    if (count && conversationId) {
      const inThread = (threads.get(conversationId) ?? []).some((m) => m.wamid === record.wamid);
      if (!inThread) violations.push(`misrouted: ${record.wamid} is not in its customer's thread`);
    }
  }
  for (const [wamid, count] of seen) {
    if (!history.inbound.has(wamid)) violations.push(`unknown inbound ${wamid} (${count}×)`);
  }
  return violations;
}

/** Each thread newest first by Meta's timestamp (then arrival) — as the API pages it. */
export function checkOrder(threads: Map<string, any[]>): string[] {
  const violations: string[] = [];
  for (const [id, messages] of threads) {
    for (let i = 1; i < messages.length; i++) {
      const a = messages[i - 1];
      const b = messages[i];
      if (a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq)) {
        violations.push(`${id}: ${a.id}@${a.timestamp}#${a.seq} before ${b.id}@${b.timestamp}#${b.seq}`);
      }
    }
  }
  return violations;
}

/**
 * Each outbound message reaches the Graph API (is accepted there) at most once, and exactly once
 * when Chorus accepted it; every answer to one Idempotency-Key names the same message.
 */
export function checkOutbound(history: History, calls: GraphCall[]): string[] {
  const violations: string[] = [];
  const acceptedByMessage = new Map<string, number>();
  for (const call of calls) {
    if (!call.wamid) continue;
    if (!call.messageId) violations.push(`accepted call #${call.seq} carries no message id`);
    else acceptedByMessage.set(call.messageId, (acceptedByMessage.get(call.messageId) ?? 0) + 1);
  }
  for (const [key, send] of history.sends) {
    const ids = new Set(send.answers.filter((a) => a.status === 201).map((a) => a.messageId));
    if (ids.size > 1) violations.push(`Idempotency-Key ${key} answered with ${ids.size} different messages`);
  }
  const accepted = history.acceptedMessageIds();
  for (const id of accepted) {
    const n = acceptedByMessage.get(id) ?? 0;
    if (n !== 1) violations.push(`message ${id} accepted by the Graph API ${n} times (expected exactly 1)`);
  }
  for (const [id, n] of acceptedByMessage) {
    if (!accepted.has(id)) violations.push(`Graph API got message ${id} (${n}×) that no client answer named`);
    if (n > 1) violations.push(`message ${id} reached the Graph API ${n} times`);
  }
  return violations;
}

/** Statuses never go backwards on the live socket (by version), and end at the best one delivered. */
export function checkStatuses(history: History, finalStatus: Map<string, string>): string[] {
  const violations: string[] = [];
  const byMessage = new Map<string, StatusObservation[]>();
  for (const o of history.socket) {
    const list = byMessage.get(o.messageId) ?? [];
    list.push(o);
    byMessage.set(o.messageId, list);
  }
  for (const [id, list] of byMessage) {
    list.sort((a, b) => a.version - b.version);
    for (let i = 1; i < list.length; i++) {
      if (statusRank(list[i]!.status) < statusRank(list[i - 1]!.status)) {
        violations.push(`message ${id} went ${list[i - 1]!.status} → ${list[i]!.status} (versions ${list[i - 1]!.version} → ${list[i]!.version})`);
      }
    }
  }
  for (const id of history.acceptedMessageIds()) {
    const delivered = [...(history.statusesDelivered.get(id) ?? [])];
    const expected = ["sent", ...delivered].reduce((best, s) => (statusRank(s) > statusRank(best) ? s : best), "sent");
    const actual = finalStatus.get(id);
    if (actual !== expected) violations.push(`message ${id} ended ${actual ?? "missing"}, expected ${expected} (delivered: ${delivered.join(",") || "none"})`);
  }
  return violations;
}

/** Fisher–Yates with a seeded generator, so a failing run can be replayed with the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Run `tasks` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await run(items[index]!, index);
    }
  });
  await Promise.all(workers);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
