/**
 * Seeds report facts (issue 6) for the bench's reports row: N facts over the last 90 days, written
 * with plain INSERTs into report_facts, each followed by the same grouped fold into the rollups as
 * the deferred-writes consumer runs after a batch of facts the Conversation DOs wrote
 * (worker/reports/rollup.ts; the trigger of migrations/0012 notes the inserted facts for it). The mix follows a busy inbox:
 * mostly messages in and out, then first responses, responses, openings, closings, resolutions and
 * assignments, spread over 40 agents, 6 teams and 2 channels. Durations carry their histogram
 * bucket (found in report_buckets, as the fact writer does) and a business-time share.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROLLUP_PENDING_SQL } from "../../worker/reports/rollup.ts";

const MIX = [
  ["message_in", "message_in", 30, false],
  ["message_out", "message_out", 25, false],
  ["message_out", "message_auto", 5, false],
  ["response", "rt", 14, true],
  ["first_response", "frt", 6, true],
  ["episode_opened", "opened", 6, false],
  ["episode_closed", "closed", 5, false],
  ["resolution", "res", 5, true],
  ["assigned", "assigned", 3, false],
  ["handled", "handled", 1, false],
];
const WEIGHTS = MIX.flatMap((m, i) => Array.from({ length: m[2] }, () => i));
const DAY = 86_400_000;

const bucket = (expr) => `(SELECT idx FROM report_buckets WHERE lower_ms <= ${expr} ORDER BY lower_ms DESC LIMIT 1)`;

/** SQL for facts [from, to) — one INSERT … SELECT over a VALUES list per `perStatement` facts. */
export function factsSql(from, to, now = Date.now(), perStatement = 300) {
  const lines = [];
  let random = 12345 + from;
  const rnd = () => {
    random = (random * 1103515245 + 12345) % 2147483648;
    return random / 2147483648;
  };
  for (let start = from; start < to; start += perStatement) {
    const values = [];
    for (let i = start; i < Math.min(to, start + perStatement); i++) {
      const [kind, metric, , duration] = MIX[WEIGHTS[Math.floor(rnd() * WEIGHTS.length)]];
      const at = now - Math.floor(rnd() * 90 * DAY);
      const agent = rnd() < 0.85 ? `'usr_bench${String(Math.floor(rnd() * 40)).padStart(2, "0")}'` : "NULL";
      const team = rnd() < 0.7 ? `'team_bench${Math.floor(rnd() * 6)}'` : "NULL";
      const channel = rnd() < 0.8 ? "'chn_benchseed'" : "'chn_benchsecond'";
      const value = duration ? Math.floor(5_000 + rnd() * rnd() * 3_600_000) : null;
      const business = value === null ? null : Math.floor(value * (0.4 + rnd() * 0.6));
      const active = metric === "res" ? Math.floor(value * 0.8) : null;
      values.push(
        `('fact_bench_${i}', 'cnv_bench${i % 50_000}', ${channel}, ${team}, ${agent}, 1, '${kind}', '${metric}', ${at}, ${value === null ? "NULL" : at - value}, ${value ?? "NULL"}, ${business ?? "NULL"}, ${active ?? "NULL"}, ${active === null ? "NULL" : Math.floor(active * 0.7)}, ${rnd() < 0.6 ? 1 : 0})`,
      );
    }
    lines.push(
      `INSERT INTO report_facts (id, conversation_id, channel_id, team_id, agent_id, episode, kind, metric, at, start_at,
  value_ms, value_bucket, business_ms, business_bucket, active_ms, active_bucket, active_business_ms, active_business_bucket, in_hours)
SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10,
  v.column11, CASE WHEN v.column11 IS NULL THEN NULL ELSE ${bucket("v.column11")} END,
  v.column12, CASE WHEN v.column12 IS NULL THEN NULL ELSE ${bucket("v.column12")} END,
  v.column13, CASE WHEN v.column13 IS NULL THEN NULL ELSE ${bucket("v.column13")} END,
  v.column14, CASE WHEN v.column14 IS NULL THEN NULL ELSE ${bucket("v.column14")} END,
  v.column15
FROM (VALUES ${values.join(",")}) v;`,
    );
  }
  // One fold for the whole chunk: facts spread over 90 days touch thousands of rollup rows, and
  // each is merged once instead of once per INSERT (the consumer's batches are ~100 facts of today).
  lines.push(`${ROLLUP_PENDING_SQL};`, "DELETE FROM report_rollup_pending;");
  return lines.join("\n");
}

/** Write the facts in files of `chunk` and apply each with `wrangler d1 execute --local`. */
export function seedFacts(root, stateDir, total, chunk = 100_000) {
  const now = Date.now();
  for (let from = 0; from < total; from += chunk) {
    const file = path.join(stateDir, `bench-facts-${from}.sql`);
    writeFileSync(file, factsSql(from, Math.min(total, from + chunk), now));
    const result = spawnSync("npx", ["wrangler", "d1", "execute", "chorus", "--local", "--persist-to", stateDir, "--file", file, "--yes"], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    rmSync(file, { force: true });
    if (result.status !== 0) throw new Error(`seeding report facts failed:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  }
}
