/**
 * Starts the real app the way a newcomer runs it — the built SvelteKit app under `wrangler dev`
 * with the simulator on — but on a free port with its own fresh local state and secrets, so
 * tests never touch the developer's data. Used by the browser tests and the fault harness.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface DevServer {
  url: string;
  port: number;
  appSecret: string;
  verifyToken: string;
  /** The local state (D1, Durable Objects) this server persists to. */
  stateDir: string;
  /** What wrangler dev printed so far (for a failing test's message). */
  output(): string;
  stop(): Promise<void>;
  /**
   * Kill wrangler dev at once (SIGKILL, no shutdown) and keep the state directory, as a crash
   * would: `startDevServer({ stateDir, port, ... })` brings the same app back.
   */
  kill(): Promise<void>;
}

/** Everything is optional: the defaults are the newcomer's setup (simulator on, fresh state). */
export interface DevServerOptions {
  /** Graph API base the Worker calls (default: the built-in simulator at /simulator/graph). */
  graphApiUrl?: string;
  /** More `--var NAME:value` pairs for wrangler dev. */
  vars?: Record<string, string>;
  /** Reuse this state directory (e.g. after `kill()`); it is kept on stop. Default: a fresh one, removed on stop. */
  stateDir?: string;
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Reuse secrets (a restart must keep the app secret its webhooks are signed with). */
  appSecret?: string;
  verifyToken?: string;
  /** Runs after the D1 migrations and before wrangler dev starts (e.g. to seed D1). */
  prepare?: (stateDir: string) => void;
}

const root = path.resolve(import.meta.dirname, "../..");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: process.env.CI ?? "true" };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `vite build` once (skipped when CHORUS_SKIP_BUILD=1 and a build exists). */
export function buildWebApp(): void {
  if (process.env.CHORUS_SKIP_BUILD === "1") return;
  for (const args of [["svelte-kit", "sync"], ["vite", "build", "--logLevel", "warn"]]) {
    const result = spawnSync("npx", args, { cwd: root, env, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`npx ${args.join(" ")} failed`);
  }
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const ownState = !options.stateDir;
  const stateDir = options.stateDir ?? mkdtempSync(path.join(tmpdir(), "chorus-test-"));
  const appSecret = options.appSecret ?? `test-secret-${crypto.randomUUID()}`;
  const verifyToken = options.verifyToken ?? `verify-${crypto.randomUUID()}`;
  const url = `http://localhost:${port}`;
  const graphApiUrl = options.graphApiUrl ?? `${url}/simulator/graph`;
  const extraVars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  // An env file of our own, so the developer's .dev.vars never leaks into a test run.
  const envFile = path.join(stateDir, "test.vars");
  writeFileSync(
    envFile,
    [
      `WHATSAPP_APP_SECRET=${appSecret}`,
      `WHATSAPP_VERIFY_TOKEN=${verifyToken}`,
      `WHATSAPP_ACCESS_TOKEN=simulator-token`,
      // Settings → Channels can store a number's own access token (issue 5).
      `CHANNEL_TOKEN_KEY=test-channel-key-${crypto.randomUUID()}`,
      `SIMULATOR=on`,
      `GRAPH_API_URL=${graphApiUrl}`,
    ].join("\n"),
  );

  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "chorus", "--local", "--persist-to", stateDir], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  options.prepare?.(stateDir);

  const child: ChildProcess = spawn(
    "npx",
    ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", stateDir, "--env-file", envFile,
      "--var", "SIMULATOR:on", "--var", `GRAPH_API_URL:${graphApiUrl}`, ...extraVars, "--show-interactive-dev-session=false",
      "--inspector-port", String(await freePort())],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/api/setup`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not start within 90 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 300));
  }

  return {
    url,
    port,
    appSecret,
    verifyToken,
    stateDir,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      if (ownState) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
