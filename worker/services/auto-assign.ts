/**
 * Automatic assignment: which agent gets a thread that waits unassigned (issue 4).
 *
 * The policy (worker/db/schema.ts, assignment_policies): a thread with a team follows its team's
 * row; a thread without one follows its channel's row, whose default team also gives a new thread
 * its team. No row, or strategy "manual": nobody is picked and the thread waits in the queue for a
 * person to take it. Otherwise the candidates are active users whose availability is "online" (and,
 * for a team, its members) holding fewer open or pending threads than the capacity:
 * - round_robin: the next user id after the team's cursor (the last one picked), wrapping around;
 * - fewest_open: the fewest open threads first (ties: round-robin order).
 *
 * Race-free by construction: the whole decision — read the policy, count every candidate's open
 * threads in the D1 index, pick one, and write the pick into the thread's index row — is ONE SQL
 * statement, and D1 runs statements one at a time (a single SQLite database). Two threads arriving
 * together are decided one after the other, and the second sees the first's pick in the counts, so
 * an agent with a capacity of 1 never gets both. The pick is a reservation in the index until the
 * Conversation DO (the source of truth) adopts it and writes its own row; while the decision is in
 * flight the DO's other index writes keep the reserved assignee (IndexWriteOptions.keepAssignee).
 *
 * The same batch first writes the DO's current row, so the decision always starts from the DO's
 * state, and then moves the round-robin cursor — all one transaction, one round trip.
 */
import type { AssignmentStrategy } from "../contracts/api";
import { conversationIndexStatement, type ConversationIndexRow } from "./conversation-index";

export interface AssignmentDecision {
  /** The agent picked (or reserved by an earlier decision the DO never adopted); null: nobody. */
  assigneeId: string | null;
  assigneeName: string | null;
  /** The thread's team after the decision (its own, or its channel's default team). */
  teamId: string | null;
  teamName: string | null;
  /** The strategy that applied; null when no policy row applies (manual). */
  strategy: AssignmentStrategy | null;
  /** A non-manual policy applies and nobody was free: the thread waits for someone to come online. */
  waiting: boolean;
}

/**
 * The thread's team (its own or its channel's default, if that team still exists), the policy that
 * applies, the candidates with their load, and the pick. `?1` conversation id, `?2` now.
 */
const CONTEXT = `
  row AS (
    SELECT c.id, c.channel_id,
      coalesce(c.team_id, (SELECT p.default_team_id FROM assignment_policies p JOIN teams t ON t.id = p.default_team_id
                            WHERE p.scope = 'channel' AND p.scope_id = c.channel_id)) AS team_id
    FROM conversations c WHERE c.id = ?1),
  policy AS (
    SELECT p.scope, p.scope_id, p.strategy, p.capacity, p.rr_cursor FROM assignment_policies p, row
    WHERE (row.team_id IS NOT NULL AND p.scope = 'team' AND p.scope_id = row.team_id)
       OR (row.team_id IS NULL AND p.scope = 'channel' AND p.scope_id = row.channel_id)),
  candidates AS (
    SELECT u.id,
      (SELECT count(*) FROM conversations o WHERE o.assignee_id = u.id AND o.status IN ('open', 'pending')) AS load
    FROM users u, row
    WHERE EXISTS (SELECT 1 FROM policy WHERE strategy <> 'manual')
      AND u.active = 1 AND u.availability = 'online'
      AND (row.team_id IS NULL OR EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = row.team_id AND m.user_id = u.id))),
  pick AS (
    SELECT cand.id FROM candidates cand, policy
    WHERE policy.strategy <> 'manual' AND (policy.capacity IS NULL OR cand.load < policy.capacity)
    ORDER BY CASE WHEN policy.strategy = 'fewest_open' THEN cand.load ELSE 0 END,
             CASE WHEN cand.id > coalesce(policy.rr_cursor, '') THEN 0 ELSE 1 END,
             cand.id
    LIMIT 1)`;

function decisionStatement(db: D1Database, conversationId: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `WITH ${CONTEXT}
       UPDATE conversations SET
         team_id = (SELECT team_id FROM row),
         assignee_id = coalesce(assignee_id, (SELECT id FROM pick)),
         waiting_since = CASE
           WHEN coalesce(assignee_id, (SELECT id FROM pick)) IS NOT NULL THEN NULL
           WHEN EXISTS (SELECT 1 FROM policy WHERE strategy <> 'manual') THEN coalesce(waiting_since, ?2)
           ELSE NULL END
       WHERE id = ?1`,
    )
    .bind(conversationId, now);
}

/** Round-robin: the policy that applied remembers who got this thread. */
function cursorStatement(db: D1Database, conversationId: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE assignment_policies SET rr_cursor = (SELECT assignee_id FROM conversations WHERE id = ?1)
       WHERE (SELECT assignee_id FROM conversations WHERE id = ?1) IS NOT NULL
         AND ((scope = 'team' AND scope_id = (SELECT team_id FROM conversations WHERE id = ?1))
           OR (scope = 'channel' AND (SELECT team_id FROM conversations WHERE id = ?1) IS NULL
               AND scope_id = (SELECT channel_id FROM conversations WHERE id = ?1)))`,
    )
    .bind(conversationId);
}

interface OutcomeRow {
  assignee_id: string | null;
  assignee_name: string | null;
  team_id: string | null;
  team_name: string | null;
  waiting_since: number | null;
  strategy: AssignmentStrategy | null;
}

function outcomeStatement(db: D1Database, conversationId: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT c.assignee_id, u.name AS assignee_name, c.team_id, t.name AS team_name, c.waiting_since,
         (SELECT p.strategy FROM assignment_policies p
           WHERE (c.team_id IS NOT NULL AND p.scope = 'team' AND p.scope_id = c.team_id)
              OR (c.team_id IS NULL AND p.scope = 'channel' AND p.scope_id = c.channel_id)) AS strategy
       FROM conversations c
       LEFT JOIN users u ON u.id = c.assignee_id
       LEFT JOIN teams t ON t.id = c.team_id
       WHERE c.id = ?1`,
    )
    .bind(conversationId);
}

/**
 * Write the DO's row and decide who gets the thread, in one D1 transaction (one round trip).
 * Called by the Conversation DO only while it holds no assignee; it adopts the answer.
 */
export async function decideAssignment(
  db: D1Database,
  row: ConversationIndexRow,
  now = Date.now(),
  /** More statements for the same transaction (the DO's report facts), run last. */
  extra: D1PreparedStatement[] = [],
): Promise<AssignmentDecision> {
  const results = await db.batch([
    conversationIndexStatement(db, row),
    decisionStatement(db, row.id, now),
    cursorStatement(db, row.id),
    outcomeStatement(db, row.id),
    ...extra,
  ]);
  const outcome = (results[3]?.results[0] as OutcomeRow | undefined) ?? null;
  if (!outcome) throw new Error(`conversation ${row.id} has no index row after the assignment decision`);
  return {
    assigneeId: outcome.assignee_id,
    assigneeName: outcome.assignee_id ? (outcome.assignee_name ?? "") : null,
    teamId: outcome.team_id,
    teamName: outcome.team_id ? (outcome.team_name ?? "") : null,
    strategy: outcome.strategy,
    waiting: outcome.assignee_id === null && outcome.waiting_since !== null,
  };
}
