/**
 * The bench's HTTP load generator: plain node:http with keep-alive, the same client for Chorus
 * and for the bare Worker.
 *
 * Two models:
 * - closed (throughput): `concurrency` loops, each sends the next request when the previous one
 *   answered, for a fixed time; the answered count per second is the throughput.
 * - open (latency at a constant rate): requests leave on a wall-clock schedule (i / rate seconds
 *   after the start) whether or not earlier ones answered, and each latency is measured from the
 *   moment the request was *due*, not from when it left. A slow server therefore shows up in the
 *   figures instead of slowing the client down (no coordinated omission), which is what Meta
 *   sees: it does not wait for our answer before sending the next webhook.
 * We wrote this small client instead of using autocannon: autocannon's rate limit is per
 * connection and its latencies are measured from the actual send, so at saturation it hides the
 * queueing that an open-model schedule exposes.
 */
import http from "node:http";

/** A keep-alive client for one origin. `maxSockets: Infinity` in open mode: no client-side queue. */
export function httpClient(origin, { maxSockets = Infinity } = {}) {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 });
  const host = url.hostname === "localhost" ? "127.0.0.1" : url.hostname;
  if (host !== "127.0.0.1") throw new Error(`the bench only targets this machine, not ${origin}`);
  function request({ method = "GET", path, headers = {}, body }) {
    return new Promise((resolve) => {
      const payload = body === undefined ? undefined : Buffer.from(body);
      const req = http.request(
        {
          host,
          port: url.port,
          method,
          path,
          agent,
          headers: { ...headers, ...(payload ? { "content-length": payload.byteLength } : {}) },
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", (err) => resolve({ status: 0, headers: {}, body: String(err) }));
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
      req.on("error", (err) => resolve({ status: 0, headers: {}, body: String(err) }));
      req.end(payload);
    });
  }
  return { request, close: () => agent.destroy() };
}

/**
 * Closed model: answered requests per second over `seconds`, with `concurrency` loops (or until
 * `stopAfter` requests were sent, for a warm-up of a known size).
 */
export async function closedLoop(client, { concurrency, seconds, next, stopAfter = Infinity }) {
  const end = performance.now() + seconds * 1000;
  let ok = 0;
  let errors = 0;
  let sent = 0;
  const statuses = new Map();
  const loops = Array.from({ length: concurrency }, async () => {
    while (performance.now() < end && sent++ < stopAfter) {
      const res = await client.request(next());
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) ok++;
      else errors++;
    }
  });
  const start = performance.now();
  await Promise.all(loops);
  const elapsed = (performance.now() - start) / 1000;
  return { rps: ok / elapsed, ok, errors, statuses: Object.fromEntries(statuses) };
}

/**
 * Open model: `rate` requests per second for `seconds`. `next(i)` builds request i; `onSent(i, dueAt)`
 * is told when each one was due (performance.now() time), for latencies measured elsewhere (the socket).
 */
export async function constantRate(client, { rate, seconds, next, onSent = () => {} }) {
  const total = Math.round(rate * seconds);
  const latencies = [];
  let errors = 0;
  const statuses = new Map();
  const pending = [];
  const start = performance.now() + 20;
  let lag = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    lag = Math.max(lag, performance.now() - due);
    const req = next(i);
    onSent(i, due);
    pending.push(
      client.request(req).then((res) => {
        const key = res.status === 0 ? (/timeout/i.test(res.body) ? "timeout" : "no answer") : res.status;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (res.status === 200) latencies.push(performance.now() - due);
        else errors++;
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  return { latencies, errors, statuses: Object.fromEntries(statuses), sent: total, achievedRate: total / elapsed, maxScheduleLagMs: lag };
}
