#!/usr/bin/env node
/**
 * Ingest throughput of two (or more) trees side by side, for comparing a change on a shared,
 * noisy machine: each tree's app runs under its own `wrangler dev` at the same time, and their
 * closed loops (16 concurrent signed webhooks, new messages on 200 warmed-up threads, as in
 * `npm run bench`) alternate, so every tree sees the same background load. Prints the median
 * req/s of each.
 *
 *   git worktree add /tmp/before <commit>   (or: git archive <commit> | tar -x -C /tmp/before)
 *   ln -s "$PWD/node_modules" /tmp/before/node_modules      (and a web build in .svelte-kit/)
 *   CHORUS_SKIP_BUILD=1 npx node scripts/bench/ab-ingest.mjs /tmp/before .
 *
 * Not a recorded figure (that is `npm run bench`); only 127.0.0.1 is targeted. REPS=n (default 5).
 */
import os from "node:os";
import path from "node:path";
import { newWamid, signature, textWebhook } from "../../test/faults/harness/meta.ts";
import { closedLoop, httpClient } from "./load.mjs";
import { median } from "./stats.mjs";

const trees = process.argv.slice(2).map((t) => path.resolve(t));
if (trees.length < 2) throw new Error("usage: ab-ingest.mjs <tree> <tree> [...]");
const REPS = Number(process.env.REPS ?? 5);
const runs = [];
try {
  for (const tree of trees) {
    const { startDevServer } = await import(path.join(tree, "test/node/dev-server.ts"));
    const server = await startDevServer({});
    runs.push({ tree, server, client: httpClient(server.url), rps: [], sent: 0 });
  }
  const next = (run) => {
    const n = run.sent++;
    const customer = { waId: `1777${String(n % 200).padStart(8, "0")}`, name: `Load Customer ${n % 200}` };
    const body = JSON.stringify(textWebhook(customer, `load message ${n}`, Date.now(), newWamid("B")));
    return { method: "POST", path: "/webhooks/whatsapp", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature(run.server.appSecret, body) }, body };
  };
  for (const run of runs) {
    await closedLoop(run.client, { concurrency: 16, seconds: 600, next: () => next(run), stopAfter: 200 });
    await closedLoop(run.client, { concurrency: 16, seconds: 3, next: () => next(run) });
  }
  for (let r = 0; r < REPS; r++) {
    for (const run of runs) {
      // Let the other tree's background work (queue, Hub) settle first.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      run.rps.push((await closedLoop(run.client, { concurrency: 16, seconds: 4, next: () => next(run) })).rps);
    }
  }
  for (const run of runs) console.log(`${run.tree}: median ${median(run.rps).toFixed(1)} req/s (reps ${run.rps.map((x) => x.toFixed(0)).join(" ")})`);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
} finally {
  for (const run of runs) {
    run.client.close();
    await run.server.stop();
  }
}
