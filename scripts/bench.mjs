#!/usr/bin/env node
/**
 * `npm run bench` (issue 7): Chorus against the real local runtime (wrangler dev: workerd, D1,
 * Durable Objects), every row measured in this one run, warmed up, at least three repetitions,
 * medians, the target beside each. Prints one table and keeps the figures in
 * .wrangler/bench/last.json. What each row measures and how: docs/performance.md.
 *
 * BENCH_QUICK=1 shortens every phase (for working on the bench itself; not for recorded figures).
 * CHORUS_SKIP_BUILD=1 reuses an existing web build.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildWebApp, freePort, startDevServer } from "../test/node/dev-server.ts";
import { ChorusClient } from "../test/faults/harness/chorus-client.ts";
import { envelope, inboundValue, newWamid, signature, textWebhook } from "../test/faults/harness/meta.ts";
import { closedLoop, constantRate, httpClient } from "./bench/load.mjs";
import { inboxJavaScript, workerBundle } from "./bench/size.mjs";
import { seedD1 } from "./bench/seed.mjs";
import { seedFacts } from "./bench/seed-facts.mjs";
import { fmt, median, percentile } from "./bench/stats.mjs";

const root = path.resolve(import.meta.dirname, "..");
const QUICK = process.env.BENCH_QUICK === "1";
/** BENCH_ONLY=ingest: only the ingest rows (no seeds, no list/thread/reports/sizes) — for comparing ingest changes. */
const ONLY_INGEST = process.env.BENCH_ONLY === "ingest";
const REPS = 3;
const CONCURRENCY = 16;
const THROUGHPUT_SECONDS = QUICK ? 2 : 5;
const RATE = 320;
const RATE_SECONDS = QUICK ? 3 : 10;
const SEEDED_THREADS = QUICK ? 20_000 : 100_000;
const LONG_THREAD = QUICK ? 2_000 : 10_000;
const LIST_REQUESTS = QUICK ? 10 : 30;
const SEEDED_FACTS = QUICK ? 100_000 : 1_000_000;
/** Customers the load is spread over: many threads (DOs) in parallel, each created during warm-up. */
const INGEST_CUSTOMERS = 200;
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: process.env.CI ?? "true" };

const log = (...args) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);

function machine() {
  const wrangler = spawnSync("npx", ["wrangler", "--version"], { cwd: root, env, encoding: "utf8" }).stdout.trim().split("\n").pop();
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    wrangler,
    platform: `${os.type()} ${os.release()}`,
  };
}

/** The bare Worker (scripts/bench/bare) under its own wrangler dev. */
async function startBareWorker() {
  const port = await freePort();
  const child = spawn(
    "npx",
    ["wrangler", "dev", "--config", "scripts/bench/bare/wrangler.toml", "--port", String(port), "--ip", "127.0.0.1",
      "--show-interactive-dev-session=false", "--inspector-port", String(await freePort())],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bare worker exited:\n${output}`);
    try {
      if ((await fetch(url, { method: "POST", body: "{}" })).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`bare worker did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // gone
      }
      await new Promise((r) => setTimeout(r, 500));
    },
  };
}

/**
 * After an overload the runtime may still be working through queued requests; measuring the next
 * row then would charge it for this one. Wait (bounded) until single webhooks answer quickly again.
 */
async function drain(client, ingestRequest) {
  const deadline = Date.now() + 180_000;
  let quick = 0;
  while (quick < 5 && Date.now() < deadline) {
    const start = performance.now();
    const res = await client.request(ingestRequest().req);
    quick = res.status === 200 && performance.now() - start < 200 ? quick + 1 : 0;
    if (!quick) await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Server-Timing `app;dur=` and the X-Chorus-D1 query count from a bench-metrics answer. */
function serverFigures(headers) {
  const timing = /app;dur=([\d.]+)/.exec(String(headers["server-timing"] ?? ""));
  const queries = /queries=(\d+)/.exec(String(headers["x-chorus-d1"] ?? ""));
  return { appMs: timing ? Number(timing[1]) : NaN, queries: queries ? Number(queries[1]) : NaN };
}

/** Repeated GETs of one path: per repetition the client and server medians; the D1 query count seen. */
async function measureGet(client, cookie, pathAndQuery) {
  const headers = { Cookie: cookie, "X-Chorus-Bench": "1" };
  for (let i = 0; i < 10; i++) await client.request({ path: pathAndQuery, headers }); // warm-up
  const reps = [];
  const queryCounts = new Set();
  for (let r = 0; r < REPS; r++) {
    const clientMs = [];
    const serverMs = [];
    for (let i = 0; i < LIST_REQUESTS; i++) {
      const start = performance.now();
      const res = await client.request({ path: pathAndQuery, headers });
      const elapsed = performance.now() - start;
      if (res.status !== 200) throw new Error(`GET ${pathAndQuery} → ${res.status} ${res.body.slice(0, 200)}`);
      const figures = serverFigures(res.headers);
      clientMs.push(elapsed);
      serverMs.push(figures.appMs);
      queryCounts.add(figures.queries);
    }
    reps.push({ client: median(clientMs), server: median(serverMs) });
  }
  return {
    clientMs: median(reps.map((r) => r.client)),
    serverMs: median(reps.map((r) => r.server)),
    queries: Math.max(...queryCounts),
    reps,
  };
}

async function main() {
  const info = machine();
  const startedAt = new Date();
  info.loadBefore = os.loadavg().map((n) => Math.round(n * 100) / 100);
  log("machine", JSON.stringify(info));

  if (process.env.CHORUS_SKIP_BUILD !== "1") {
    log("building the web app");
    buildWebApp();
  }
  const bare = await startBareWorker();
  log(`bare worker at ${bare.url}; starting Chorus with ${SEEDED_THREADS} seeded threads and ${SEEDED_FACTS} report facts`);
  const server = await startDevServer({
    vars: { BENCH_METRICS: "on" },
    prepare: (dir) => {
      const t0 = Date.now();
      if (ONLY_INGEST) return;
      seedD1(root, dir, SEEDED_THREADS);
      log(`threads seeded in ${Math.round((Date.now() - t0) / 1000)} s`);
      const t1 = Date.now();
      seedFacts(root, dir, SEEDED_FACTS);
      log(`facts seeded in ${Math.round((Date.now() - t1) / 1000)} s`);
    },
  });
  const results = { machine: info, startedAt: startedAt.toISOString(), quick: QUICK, rows: {} };
  try {
    const owner = new ChorusClient(server.url);
    await owner.setupOwner("owner@bench.example", "bench owner password");
    const agent = await owner.invite("agent", "agent@bench.example", "Ada Agent", "bench agent password");
    const arrivals = new Map();
    const onEvent = (event, at) => {
      if (event.type === "message.created" && event.message?.wamid) arrivals.set(event.message.wamid, at);
    };
    // Like the web app: if the socket drops, open it again (and count the drops).
    let socketDrops = 0;
    let socket;
    let closing = false;
    const connect = async () => {
      socket = await agent.openEvents(onEvent);
      socket.addEventListener("close", () => {
        if (closing) return;
        socketDrops++;
        log("agent socket closed; reconnecting");
        setTimeout(() => void connect().catch((err) => log(`reconnect failed: ${err.message}`)), 500);
      });
    };
    await connect();

    const chorus = httpClient(server.url);
    const bareClient = httpClient(bare.url);
    let counter = 0;
    const ingestRequest = () => {
      const i = counter++;
      const customer = { waId: `1777${String(i % INGEST_CUSTOMERS).padStart(8, "0")}`, name: `Load Customer ${i % INGEST_CUSTOMERS}` };
      const wamid = newWamid("B");
      const body = JSON.stringify(textWebhook(customer, `load message ${i}`, Date.now(), wamid));
      return { wamid, req: { method: "POST", path: "/webhooks/whatsapp", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature(server.appSecret, body) }, body } };
    };

    // ---- ingest throughput: Chorus vs the bare Worker, same client and concurrency ----------------
    log(`ingest throughput: warm-up (first message of each of ${INGEST_CUSTOMERS} customers, then 3 s)`);
    const firstMessages = await closedLoop(chorus, { concurrency: CONCURRENCY, seconds: 600, next: () => ingestRequest().req, stopAfter: INGEST_CUSTOMERS });
    if (firstMessages.ok < INGEST_CUSTOMERS) throw new Error(`warm-up: only ${firstMessages.ok} of ${INGEST_CUSTOMERS} first messages stored (${JSON.stringify(firstMessages.statuses)})`);
    await closedLoop(bareClient, { concurrency: CONCURRENCY, seconds: 2, next: () => ingestRequest().req });
    await closedLoop(chorus, { concurrency: CONCURRENCY, seconds: 3, next: () => ingestRequest().req });
    const bareRps = [];
    const chorusRps = [];
    for (let r = 0; r < REPS; r++) {
      await drain(chorus, ingestRequest);
      const b = await closedLoop(bareClient, { concurrency: CONCURRENCY, seconds: THROUGHPUT_SECONDS, next: () => ingestRequest().req });
      const c = await closedLoop(chorus, { concurrency: CONCURRENCY, seconds: THROUGHPUT_SECONDS, next: () => ingestRequest().req });
      if (c.errors) log(`chorus non-200 answers: ${JSON.stringify(c.statuses)}`);
      bareRps.push(b.rps);
      chorusRps.push(c.rps);
      log(`rep ${r + 1}: bare ${fmt(b.rps)} req/s, chorus ${fmt(c.rps)} req/s`);
    }
    results.rows.ingestThroughput = { bareRps: median(bareRps), chorusRps: median(chorusRps), ratio: median(chorusRps) / median(bareRps), bareReps: bareRps, chorusReps: chorusRps, concurrency: CONCURRENCY };

    // ---- ingest at a constant 320 requests/s: acknowledgement and socket latency ------------------
    log(`constant ${RATE} req/s: warm-up`);
    const runRate = async (seconds) => {
      const due = new Map();
      const batch = [];
      const outcome = await constantRate(chorus, {
        rate: RATE,
        seconds,
        next: (i) => {
          const { wamid, req } = ingestRequest();
          batch[i] = wamid;
          return req;
        },
        onSent: (i, at) => due.set(batch[i], at),
      });
      // Give the last events a moment to arrive, then match each webhook with its socket event.
      await new Promise((r) => setTimeout(r, 2000));
      const socketMs = [];
      let missing = 0;
      for (const [wamid, at] of due) {
        const arrived = arrivals.get(wamid);
        if (arrived === undefined) missing++;
        else socketMs.push(arrived - at);
      }
      return { ...outcome, socketMs, missing };
    };
    await drain(chorus, ingestRequest);
    await runRate(3);
    const rateReps = [];
    for (let r = 0; r < REPS; r++) {
      await drain(chorus, ingestRequest);
      const o = await runRate(RATE_SECONDS);
      const rep = {
        ackP50: percentile(o.latencies, 50),
        ackP99: percentile(o.latencies, 99),
        socketP50: percentile(o.socketMs, 50),
        socketP99: percentile(o.socketMs, 99),
        errors: o.errors,
        statuses: o.statuses,
        missingEvents: o.missing,
        achievedRate: o.achievedRate,
        maxScheduleLagMs: o.maxScheduleLagMs,
      };
      rateReps.push(rep);
      log(`rep ${r + 1}: ack p50 ${fmt(rep.ackP50)} p99 ${fmt(rep.ackP99)} ms; socket p50 ${fmt(rep.socketP50)} p99 ${fmt(rep.socketP99)} ms; answers ${JSON.stringify(o.statuses)}, missing events ${o.missing}, socket drops so far ${socketDrops}, rate ${fmt(o.achievedRate)}`);
    }
    await drain(chorus, ingestRequest);
    const med = (key) => median(rateReps.map((r) => r[key]));
    results.rows.constantRate = {
      rate: RATE,
      seconds: RATE_SECONDS,
      ackP50: med("ackP50"),
      ackP99: med("ackP99"),
      socketP50: med("socketP50"),
      socketP99: med("socketP99"),
      errors: rateReps.reduce((n, r) => n + r.errors, 0),
      missingEvents: rateReps.reduce((n, r) => n + r.missingEvents, 0),
      socketDrops,
      reps: rateReps,
    };

    if (ONLY_INGEST) {
      closing = true;
      socket.close();
      chorus.close();
      bareClient.close();
      return;
    }

    // ---- conversation list over the seeded threads --------------------------------------------------
    const listRows = {};
    for (const size of [25, 50, 100]) {
      log(`list, page size ${size}`);
      listRows[size] = await measureGet(chorus, owner.cookie, `/api/conversations?limit=${size}`);
    }
    const indexed = await owner.request("GET", "/api/conversations/counts");
    results.rows.list = { threads: SEEDED_THREADS, bySize: listRows, counts: indexed.status === 200 ? indexed.json : null };

    // ---- a long thread, through the webhook path ----------------------------------------------------
    log(`seeding a ${LONG_THREAD}-message thread through webhooks`);
    const longCustomer = { waId: "17770999999", name: "Long Thread Customer" };
    const base = Date.now() - LONG_THREAD * 1000;
    for (let start = 0; start < LONG_THREAD; start += 500) {
      const specs = Array.from({ length: Math.min(500, LONG_THREAD - start) }, (_, k) => ({
        customer: longCustomer,
        wamid: newWamid("L"),
        at: base + (start + k) * 1000,
        content: { body: `message ${start + k} of a long conversation` },
      }));
      const body = JSON.stringify(envelope([inboundValue(specs)]));
      const res = await chorus.request({ method: "POST", path: "/webhooks/whatsapp", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature(server.appSecret, body) }, body });
      if (res.status !== 200) throw new Error(`long thread webhook → ${res.status} ${res.body.slice(0, 200)}`);
    }
    const found = await owner.expectOk("GET", `/api/conversations?q=${encodeURIComponent(longCustomer.name)}&limit=5`);
    const longId = found.conversations.find((c) => c.contact.waId === longCustomer.waId)?.id;
    if (!longId) throw new Error("the long thread is not in the list");
    results.rows.longThread = { messages: LONG_THREAD, ...(await measureGet(chorus, owner.cookie, `/api/conversations/${longId}/messages`)) };

    // ---- reports (issue 6) over the seeded facts -------------------------------------------------
    const probe = await owner.request("GET", "/api/reports/summary?from=2026-01-01&to=2026-01-02");
    if (probe.status === 404) {
      results.rows.reports = { built: false };
    } else {
      const day = (ms) => new Date(ms).toISOString().slice(0, 10);
      const range = `from=${day(Date.now() - 89 * 86_400_000)}&to=${day(Date.now())}`;
      const queries = {
        summary: `/api/reports/summary?${range}`,
        "by agent": `/api/reports/breakdown?${range}&by=agent`,
        "by day": `/api/reports/breakdown?${range}&by=bucket&bucket=day`,
        leaderboard: `/api/reports/leaderboard?${range}`,
      };
      const measured = {};
      for (const [name, url] of Object.entries(queries)) {
        log(`reports: ${name}`);
        measured[name] = await measureGet(chorus, owner.cookie, url);
      }
      const summary = await owner.expectOk("GET", queries.summary);
      results.rows.reports = {
        built: true,
        facts: SEEDED_FACTS,
        days: 90,
        queries: measured,
        slowestServerMs: Math.max(...Object.values(measured).map((m) => m.serverMs)),
        messagesInSeen: summary.calendar?.messagesIn ?? null,
      };
    }

    // ---- sizes -------------------------------------------------------------------------------------
    log("sizes: inbox JavaScript in Chromium, Worker bundle from wrangler deploy --dry-run");
    results.rows.inboxJs = await inboxJavaScript(server.url, owner.cookie);
    results.rows.workerBundle = workerBundle(root);

    closing = true;
    socket.close();
    chorus.close();
    bareClient.close();
  } finally {
    results.machine.loadAfter = os.loadavg().map((n) => Math.round(n * 100) / 100);
    await server.stop();
    await bare.stop();
  }

  if (ONLY_INGEST) {
    console.log(JSON.stringify({ machine: results.machine, ingestThroughput: results.rows.ingestThroughput, constantRate: { ...results.rows.constantRate, reps: undefined } }, null, 2));
    return;
  }
  mkdirSync(path.join(root, ".wrangler", "bench"), { recursive: true });
  writeFileSync(path.join(root, ".wrangler", "bench", "last.json"), JSON.stringify(results, null, 2));
  console.log(renderTable(results));
}

function verdict(ok) {
  return ok ? "met" : "MISSED";
}

export function renderTable(results) {
  const r = results.rows;
  const m = results.machine;
  const rows = [];
  const t = r.ingestThroughput;
  rows.push([
    `ingest throughput, ${t.concurrency} concurrent`,
    `${fmt(t.ratio * 100)} % of bare (${fmt(t.chorusRps)} vs ${fmt(t.bareRps)} req/s)`,
    "≥ 40 %",
    verdict(t.ratio >= 0.4),
  ]);
  const c = r.constantRate;
  rows.push([`ingest ack p50 @ ${c.rate} req/s`, `${fmt(c.ackP50)} ms`, "—", ""]);
  const failures = Object.entries(c.reps.reduce((acc, rep) => {
    for (const [k, n] of Object.entries(rep.statuses ?? {})) if (k !== "200") acc[k] = (acc[k] ?? 0) + n;
    return acc;
  }, {})).map(([k, n]) => `${n}× ${k}`).join(", ");
  rows.push([`ingest ack p99 @ ${c.rate} req/s`, `${fmt(c.ackP99)} ms${failures ? ` (not acknowledged: ${failures})` : ""}`, "≤ 50 ms", verdict(c.ackP99 <= 50 && !c.errors)]);
  rows.push([
    `webhook → agent socket p50 / p99`,
    `${fmt(c.socketP50)} / ${fmt(c.socketP99)} ms${c.missingEvents ? ` (${c.missingEvents} events missing${c.socketDrops ? `, socket dropped ${c.socketDrops}×` : ""})` : ""}`,
    "p99 ≤ 100 ms",
    verdict(c.socketP99 <= 100 && !c.missingEvents),
  ]);
  for (const [size, row] of Object.entries(r.list.bySize)) {
    rows.push([
      `list, ${r.list.threads.toLocaleString("en")} threads, page ${size}`,
      `server ${fmt(row.serverMs)} ms, client ${fmt(row.clientMs)} ms, ${row.queries} D1 queries`,
      "≤ 30 ms, ≤ 3 queries",
      verdict(row.serverMs <= 30 && row.queries <= 3),
    ]);
  }
  const l = r.longThread;
  rows.push([
    `${l.messages.toLocaleString("en")}-message thread, first page`,
    `server ${fmt(l.serverMs)} ms, client ${fmt(l.clientMs)} ms, ${l.queries} D1 queries`,
    "≤ 30 ms",
    verdict(l.serverMs <= 30),
  ]);
  if (!r.reports.built) rows.push(["reports over 1,000,000 facts", "not built yet (issue 6)", "≤ 200 ms", "—"]);
  else {
    for (const [name, q] of Object.entries(r.reports.queries)) {
      rows.push([
        `reports, ${r.reports.facts.toLocaleString("en")} facts, ${r.reports.days} days: ${name}`,
        `server ${fmt(q.serverMs)} ms, client ${fmt(q.clientMs)} ms, ${q.queries} D1 queries`,
        "≤ 200 ms",
        verdict(q.serverMs <= 200),
      ]);
    }
  }
  rows.push([
    "initial inbox JavaScript, gzip",
    `${fmt(r.inboxJs.gzip / 1024)} KB (${r.inboxJs.files.length} files, ${fmt(r.inboxJs.raw / 1024)} KB raw)`,
    "≤ 120 KB",
    verdict(r.inboxJs.gzip <= 120 * 1024),
  ]);
  const w = r.workerBundle;
  rows.push([
    "Worker bundle, gzip",
    `${fmt(w.gzip / 1024)} KB${w.wranglerGzipKiB ? ` (wrangler: ${fmt(w.wranglerGzipKiB)} KiB)` : ""}`,
    "≤ 1 MB",
    verdict(w.gzip <= 1024 * 1024),
  ]);
  const header = ["measure", "result", "target", "verdict"];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i].length), header[i].length));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [
    `Chorus bench — ${results.startedAt.slice(0, 16).replace("T", " ")} UTC${results.quick ? " (QUICK: not for the record)" : ""}`,
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, node ${m.node}, wrangler ${m.wrangler}; load ${m.loadBefore.join(" ")} before, ${m.loadAfter.join(" ")} after`,
    `each row: warmed up, median of ${REPS} repetitions, all in this run against wrangler dev`,
    "",
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
