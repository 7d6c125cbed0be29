/**
 * Size rows of the bench:
 * - the initial inbox JavaScript: Debian's Chromium (playwright-core) opens /inbox signed in and
 *   we list every script the page loaded (entry, chunks, modulepreloads, the route's own nodes)
 *   until the network is idle; each file's bytes are gzipped here (level 9, close to what
 *   Cloudflare's edge sends) and summed. wrangler dev serves assets uncompressed, so the
 *   transfer size it reports would be the raw size.
 * - the Worker bundle: `wrangler deploy --dry-run --outdir`, gzip of every module it wrote
 *   (wrangler's own "gzip:" figure is shown beside it when it prints one).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const gz = (bytes) => gzipSync(bytes, { level: 9 }).byteLength;

export async function inboxJavaScript(baseUrl, cookie) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [name, ...rest] = cookie.split("=");
    await context.addCookies([{ name, value: rest.join("="), url: baseUrl }]);
    const page = await context.newPage();
    const scripts = new Map();
    page.on("response", async (res) => {
      if (res.request().resourceType() !== "script" || !res.ok()) return;
      try {
        scripts.set(res.url(), await res.body());
      } catch {
        // a redirect or an aborted load has no body
      }
    });
    await page.goto(`${baseUrl}/inbox`, { waitUntil: "networkidle" });
    await page.getByTestId("conversation-item").first().waitFor({ timeout: 20_000 });
    await page.waitForLoadState("networkidle");
    const files = [...scripts].map(([url, body]) => ({ url: new URL(url).pathname, raw: body.byteLength, gzip: gz(body) }));
    return {
      files,
      raw: files.reduce((n, f) => n + f.raw, 0),
      gzip: files.reduce((n, f) => n + f.gzip, 0),
    };
  } finally {
    await browser.close();
  }
}

export function workerBundle(root) {
  const outdir = mkdtempSync(path.join(tmpdir(), "chorus-bench-dry-run-"));
  try {
    const result = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${result.stderr.slice(-2000)}`);
    const modules = readdirSync(outdir, { recursive: true })
      .map(String)
      .filter((f) => /\.(m?js|wasm)$/.test(f) && statSync(path.join(outdir, f)).isFile());
    const files = modules.map((f) => {
      const bytes = readFileSync(path.join(outdir, f));
      return { file: f, raw: bytes.byteLength, gzip: gz(bytes) };
    });
    const printed = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(result.stdout + result.stderr);
    return {
      files,
      raw: files.reduce((n, f) => n + f.raw, 0),
      gzip: files.reduce((n, f) => n + f.gzip, 0),
      wranglerGzipKiB: printed ? Number(printed[2]) : null,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
