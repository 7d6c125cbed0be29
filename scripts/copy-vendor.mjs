#!/usr/bin/env node
/**
 * Copies browser bundles that Hono-served pages load (e.g. /api/docs → Scalar's API reference)
 * from node_modules into web/static/vendor/, which SvelteKit's build turns into static assets
 * served from the edge. They are never bundled into the Worker (it must stay small) and never
 * fetched from a CDN (the docs work offline). The list lives in worker/openapi/vendor.json so
 * the page and this script cannot disagree. Runs as `prebuild`; web/static/vendor/ is ignored by git.
 */
import { access, copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const vendor = JSON.parse(await readFile(path.join(root, "worker/openapi/vendor.json"), "utf8"));

for (const [name, entry] of Object.entries(vendor)) {
  const packageDir = await packageFolder(entry.package);
  const from = path.join(packageDir, entry.file);
  const to = path.join(root, "web/static", entry.servedAt);
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(from, to);
  const { size } = await stat(to);
  console.log(`vendor: ${name} → web/static${entry.servedAt} (${(size / 1024 / 1024).toFixed(1)} MiB)`);
}

/** The installed folder of a package: its entry resolved by Node, then up to its package.json (whose "exports" may hide the file we want). */
async function packageFolder(name) {
  let dir = path.dirname(require.resolve(name));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    const found = await access(manifest).then(() => true, () => false);
    if (found && JSON.parse(await readFile(manifest, "utf8")).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the folder of ${name}; run npm install`);
}
