/**
 * Delivery statuses only move forward. Meta delivers status webhooks at least once and in any
 * order (read can arrive before delivered), so a status is applied only when it is ahead of the
 * current one. `failed` is final; a late `failed` after the customer already has the message
 * (delivered/read/played) contradicts what we know and is ignored.
 */
import type { MessageStatus } from "../../worker/contracts/api";

const RANK: Record<Exclude<MessageStatus, "failed">, number> = {
  received: 0,
  queued: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
};

export function shouldApplyStatus(current: MessageStatus, next: MessageStatus): boolean {
  if (current === "failed") return false;
  if (next === "failed") return RANK[current] < RANK.delivered;
  return RANK[next] > RANK[current];
}

/** Sort statuses so that applying them in order reaches the furthest one (failed last). */
export function statusOrder(status: MessageStatus): number {
  return status === "failed" ? 99 : RANK[status];
}
