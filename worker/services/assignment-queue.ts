/**
 * Threads waiting for automatic assignment (nobody was free when they arrived) are offered again
 * as soon as someone could take them: a user comes online, a slot frees (a thread closed, snoozed
 * or handed on), a policy changes. Each waiting thread's Conversation DO re-runs the race-free
 * decision (worker/services/auto-assign.ts) and adopts its answer; oldest waiting first.
 *
 * This is the fast path. It never throws and is allowed to miss (an isolate dies mid-way): every
 * waiting DO also retries from its own alarm with backoff, so no thread waits forever.
 */
import type { Env } from "../env";

/** Threads offered per trigger: enough for a person coming online, bounded for the caller's latency. */
export const OFFER_BATCH = 25;

export interface OfferScope {
  /** Threads this user could take: of their teams, or of no team. */
  userId?: string;
  teamId?: string;
  channelId?: string;
}

/** Offer waiting threads in `scope`; returns how many were assigned. */
export async function offerWaitingConversations(env: Env, scope: OfferScope, limit = OFFER_BATCH): Promise<number> {
  try {
    const where = ["c.waiting_since IS NOT NULL", "c.assignee_id IS NULL", "c.status IN ('open', 'pending')"];
    const binds: unknown[] = [];
    if (scope.userId) {
      binds.push(scope.userId);
      where.push(`(c.team_id IS NULL OR c.team_id IN (SELECT team_id FROM team_members WHERE user_id = ?${binds.length}))`);
    }
    if (scope.teamId) {
      binds.push(scope.teamId);
      where.push(`c.team_id = ?${binds.length}`);
    }
    if (scope.channelId) {
      binds.push(scope.channelId);
      where.push(`c.channel_id = ?${binds.length}`);
    }
    binds.push(limit);
    const { results } = await env.DB.prepare(
      `SELECT c.id FROM conversations c WHERE ${where.join(" AND ")} ORDER BY c.waiting_since, c.id LIMIT ?${binds.length}`,
    )
      .bind(...binds)
      .all<{ id: string }>();
    let assigned = 0;
    // One after the other: the oldest waiting thread gets the first free slot.
    for (const { id } of results) {
      if (await env.CONVERSATION.getByName(id).offerAssignment()) assigned++;
    }
    return assigned;
  } catch (err) {
    console.error("offering waiting conversations failed; their alarms retry", scope, err);
    return 0;
  }
}
