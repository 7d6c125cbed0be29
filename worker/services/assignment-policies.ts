/**
 * Reading and writing the automatic-assignment policies (assignment_policies in D1): one per team
 * and one per channel. Teams and channels without a row are listed with strategy "manual".
 */
import type { AssignmentStrategy } from "../contracts/api";

export interface TeamPolicy {
  teamId: string;
  teamName: string;
  strategy: AssignmentStrategy;
  capacity: number | null;
  updatedAt: number | null;
}

export interface ChannelPolicy {
  channelId: string;
  channelName: string | null;
  displayPhoneNumber: string | null;
  defaultTeamId: string | null;
  strategy: AssignmentStrategy;
  capacity: number | null;
  updatedAt: number | null;
}

interface TeamRow {
  id: string;
  name: string;
  strategy: AssignmentStrategy | null;
  capacity: number | null;
  updated_at: number | null;
}

interface ChannelRow {
  id: string;
  name: string | null;
  display_phone_number: string | null;
  default_team_id: string | null;
  strategy: AssignmentStrategy | null;
  capacity: number | null;
  updated_at: number | null;
}

function teamPolicy(row: TeamRow): TeamPolicy {
  return { teamId: row.id, teamName: row.name, strategy: row.strategy ?? "manual", capacity: row.capacity, updatedAt: row.updated_at };
}

function channelPolicy(row: ChannelRow): ChannelPolicy {
  return {
    channelId: row.id,
    channelName: row.name,
    displayPhoneNumber: row.display_phone_number,
    // A default team that was deleted since is no default at all (auto-assign.ts ignores it too).
    defaultTeamId: row.default_team_id,
    strategy: row.strategy ?? "manual",
    capacity: row.capacity,
    updatedAt: row.updated_at,
  };
}

const TEAM_SQL = `SELECT t.id, t.name, p.strategy, p.capacity, p.updated_at FROM teams t
  LEFT JOIN assignment_policies p ON p.scope = 'team' AND p.scope_id = t.id`;
const CHANNEL_SQL = `SELECT ch.id, ch.name, ch.display_phone_number, dt.id AS default_team_id, p.strategy, p.capacity, p.updated_at
  FROM channels ch
  LEFT JOIN assignment_policies p ON p.scope = 'channel' AND p.scope_id = ch.id
  LEFT JOIN teams dt ON dt.id = p.default_team_id`;

/** Every team's and channel's policy (one D1 round trip). */
export async function listPolicies(db: D1Database): Promise<{ teams: TeamPolicy[]; channels: ChannelPolicy[] }> {
  const [teams, channels] = await db.batch([
    db.prepare(`${TEAM_SQL} ORDER BY t.name`),
    db.prepare(`${CHANNEL_SQL} ORDER BY ch.created_at, ch.id`),
  ]);
  return {
    teams: ((teams?.results ?? []) as TeamRow[]).map(teamPolicy),
    channels: ((channels?.results ?? []) as ChannelRow[]).map(channelPolicy),
  };
}

/** Set a team's policy; null when the team does not exist. The round-robin cursor is kept. */
export async function putTeamPolicy(
  db: D1Database,
  teamId: string,
  policy: { strategy: AssignmentStrategy; capacity: number | null },
  now = Date.now(),
): Promise<TeamPolicy | null> {
  const [, row] = await db.batch([
    db
      .prepare(
        `INSERT INTO assignment_policies (scope, scope_id, strategy, capacity, updated_at)
         SELECT 'team', id, ?2, ?3, ?4 FROM teams WHERE id = ?1
         ON CONFLICT (scope, scope_id) DO UPDATE SET strategy = excluded.strategy, capacity = excluded.capacity, updated_at = excluded.updated_at`,
      )
      .bind(teamId, policy.strategy, policy.capacity, now),
    db.prepare(`${TEAM_SQL} WHERE t.id = ?1`).bind(teamId),
  ]);
  const found = (row?.results[0] as TeamRow | undefined) ?? null;
  return found ? teamPolicy(found) : null;
}

export type PutChannelPolicyResult = { ok: true; policy: ChannelPolicy } | { ok: false; reason: "no_channel" | "no_team" };

/** Set a channel's policy (its default team and the strategy for threads without a team). */
export async function putChannelPolicy(
  db: D1Database,
  channelId: string,
  policy: { defaultTeamId: string | null; strategy: AssignmentStrategy; capacity: number | null },
  now = Date.now(),
): Promise<PutChannelPolicyResult> {
  const [, row] = await db.batch([
    db
      .prepare(
        `INSERT INTO assignment_policies (scope, scope_id, strategy, capacity, default_team_id, updated_at)
         SELECT 'channel', ch.id, ?2, ?3, ?4, ?5 FROM channels ch
         WHERE ch.id = ?1 AND (?4 IS NULL OR EXISTS (SELECT 1 FROM teams WHERE id = ?4))
         ON CONFLICT (scope, scope_id) DO UPDATE SET strategy = excluded.strategy, capacity = excluded.capacity,
           default_team_id = excluded.default_team_id, updated_at = excluded.updated_at`,
      )
      .bind(channelId, policy.strategy, policy.capacity, policy.defaultTeamId, now),
    db.prepare(`${CHANNEL_SQL} WHERE ch.id = ?1`).bind(channelId),
  ]);
  const found = (row?.results[0] as ChannelRow | undefined) ?? null;
  if (!found) return { ok: false, reason: "no_channel" };
  if (policy.defaultTeamId !== null && found.default_team_id !== policy.defaultTeamId) return { ok: false, reason: "no_team" };
  return { ok: true, policy: channelPolicy(found) };
}
