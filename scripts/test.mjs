#!/usr/bin/env node
/**
 * `npm test`: every test. First the worker suite inside workerd (real D1, Durable Objects, R2),
 * then the node-side suite against the real app under `wrangler dev` (Chromium through
 * playwright-core, the deploy bundle check). Ends with one line `N passed, N failed`, which CI
 * reads (vitest's own summary is not recognised there).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const resultsDir = path.join(root, ".wrangler", "test-results");
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const suites = [
  { name: "worker", config: "vitest.config.ts" },
  { name: "web", config: "web/vitest.config.ts" },
  { name: "node", config: "vitest.node.config.ts" },
  // Issue 7's fault harness against wrangler dev (docs/reliability.md); reuses the node suite's
  // web build. `npm test -- faults` (or `npm run test:faults`) runs it alone.
  { name: "faults", config: "vitest.faults.config.ts" },
];
const only = process.argv[2];
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

let passed = 0;
let failed = 0;
let built = false;
for (const suite of suites) {
  if (only ? only !== suite.name : suite.onRequestOnly) continue;
  const suiteEnv = suite.name === "faults" && built ? { ...env, CHORUS_SKIP_BUILD: "1" } : env;
  if (suite.name === "node") built = true;
  const outputFile = path.join(resultsDir, `${suite.name}.json`);
  console.log(`\n── ${suite.name} tests (${suite.config}) ──`);
  const run = spawnSync(
    "npx",
    ["vitest", "run", "--config", suite.config, "--reporter=default", "--reporter=json", `--outputFile.json=${outputFile}`],
    { cwd: root, env: suiteEnv, stdio: "inherit" },
  );
  let report;
  try {
    report = JSON.parse(readFileSync(outputFile, "utf8"));
  } catch {
    report = null;
  }
  if (!report) {
    console.error(`${suite.name} suite produced no report (exit ${run.status}); counting it as one failure.`);
    failed += 1;
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A file that failed to load has no test results of its own: count it, never hide it.
  const brokenFiles = report.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  failed += brokenFiles;
  if (run.status !== 0 && report.numFailedTests === 0 && brokenFiles === 0) {
    console.error(`${suite.name} suite exited with ${run.status}; counting it as one failure.`);
    failed += 1;
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
