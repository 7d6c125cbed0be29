/**
 * When a user is deactivated, their open threads go back to their team's queue: each thread's
 * Conversation DO drops the assignee (it owns the reply lock), records who did it and pushes
 * the change live. The D1 index tells which threads to visit.
 */
import type { Env, SessionUser } from "../env";

export async function releaseAssignedConversations(env: Env, userId: string, actor: Pick<SessionUser, "id" | "name">): Promise<number> {
  const { results } = await env.DB.prepare("SELECT id FROM conversations WHERE assignee_id = ? AND status != 'closed'")
    .bind(userId)
    .all<{ id: string }>();
  for (const { id } of results) {
    await env.CONVERSATION.getByName(id).releaseAssignee(userId, { id: actor.id, name: actor.name });
  }
  return results.length;
}
