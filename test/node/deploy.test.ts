import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

describe("wrangler deploy --dry-run", () => {
  it("bundles the one Worker (API, SvelteKit and Durable Objects) under 1 MB gzipped", async ({ expect }) => {
    const outdir = mkdtempSync(path.join(tmpdir(), "chorus-dry-run-"));
    const result = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/--dry-run: exiting now/);
    for (const binding of ["CONVERSATION", "HUB", "DB", "MEDIA"]) expect(result.stdout).toContain(binding);
    const bundle = readdirSync(outdir).find((f) => f.endsWith(".js"))!;
    const size = gzipSync(readFileSync(path.join(outdir, bundle))).byteLength;
    expect(statSync(path.join(outdir, bundle)).size).toBeGreaterThan(0);
    expect(size).toBeLessThan(1024 * 1024);
  });
});
