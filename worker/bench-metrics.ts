/**
 * Server-side figures for `npm run bench` (issue 7): how long the Worker spent on a request and
 * how many D1 queries it made. Off unless BOTH the `BENCH_METRICS` var is "on" (only the bench's
 * own `wrangler dev` passes `--var BENCH_METRICS:on`; wrangler.toml never sets it) AND the request
 * asks with `X-Chorus-Bench: 1`. Otherwise it is one header read and `next()`.
 *
 * When on, the request's D1 binding is wrapped in a counting proxy for this request only, and
 * the answer carries:
 *   Server-Timing: app;dur=<ms in the Worker>, d1;dur=<ms waiting on D1>
 *   X-Chorus-D1: queries=<statements run>; roundtrips=<calls to D1>
 * Only queries made by the Worker itself are counted: a Durable Object has its own env, so the
 * index write a Conversation DO makes is not in the count (the list and message routes make none).
 * Locally `performance.now()` advances during compute (unlike on Cloudflare's edge, where it
 * only moves on I/O), so `app` is the real wall time inside the Worker.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env";

export const BENCH_HEADER = "X-Chorus-Bench";

interface Tally {
  queries: number;
  roundtrips: number;
  d1Ms: number;
}

const EXECUTORS = new Set(["first", "all", "run", "raw"]);

async function timed<T>(tally: Tally, queries: number, call: () => Promise<T>): Promise<T> {
  tally.queries += queries;
  tally.roundtrips += 1;
  const start = performance.now();
  try {
    return await call();
  } finally {
    tally.d1Ms += performance.now() - start;
  }
}

function countingStatement(statement: D1PreparedStatement, tally: Tally, originals: WeakMap<object, D1PreparedStatement>): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, prop) {
      if (prop === "bind") {
        return (...values: unknown[]) => countingStatement(target.bind(...values), tally, originals);
      }
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof prop === "string" && EXECUTORS.has(prop) && typeof value === "function") {
        return (...args: unknown[]) => timed(tally, 1, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  originals.set(proxy, statement);
  return proxy;
}

function countingD1(db: D1Database, tally: Tally): D1Database {
  // batch() needs the runtime's own statement objects, so each proxy remembers its original.
  const originals = new WeakMap<object, D1PreparedStatement>();
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => countingStatement(target.prepare(query), tally, originals);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          timed(tally, statements.length, () => target.batch(statements.map((s) => originals.get(s) ?? s)));
      }
      if (prop === "exec") return (query: string) => timed(tally, 1, () => target.exec(query));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export const benchMetrics: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.BENCH_METRICS !== "on" || c.req.header(BENCH_HEADER) !== "1") return next();
  const tally: Tally = { queries: 0, roundtrips: 0, d1Ms: 0 };
  c.env = { ...c.env, DB: countingD1(c.env.DB, tally) };
  const start = performance.now();
  await next();
  const appMs = performance.now() - start;
  try {
    c.res.headers.set("Server-Timing", `app;dur=${appMs.toFixed(2)}, d1;dur=${tally.d1Ms.toFixed(2)}`);
    c.res.headers.set("X-Chorus-D1", `queries=${tally.queries}; roundtrips=${tally.roundtrips}`);
  } catch {
    // An immutable response (a WebSocket upgrade handed back by a Durable Object) keeps its headers.
  }
};
