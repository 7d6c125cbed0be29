/**
 * The live view over the socket (issue 6): a reports page subscribes on /api/events and receives
 * `metrics.updated` within a second of a webhook or an availability change — no polling; agents
 * never receive it, and an inbox socket that did not subscribe is not disturbed.
 */
import { exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import type { LiveSnapshot } from "../../worker/contracts/reports";
import { useFakeGraph } from "./helpers/fake-graph";
import { call, expectStatus } from "./helpers/inbox";
import { signedIn } from "./helpers/session";
import { readSocket, type SocketReader } from "./helpers/socket";
import { inbound, phone, postWebhook } from "./helpers/webhook";

useFakeGraph();

const open: SocketReader[] = [];
afterEach(() => {
  for (const reader of open.splice(0)) {
    try {
      reader.ws.close(1000, "test over");
    } catch {
      // already closed
    }
  }
});

async function connect(headers: Record<string, string>): Promise<SocketReader> {
  const res = await exports.default.fetch("http://example.com/api/events", { headers: { Upgrade: "websocket", ...headers } });
  if (res.status !== 101) throw new Error(`expected 101, got ${res.status}`);
  const reader = readSocket(res);
  open.push(reader);
  await reader.next(); // hello
  return reader;
}

type Event = { type: string; live?: LiveSnapshot };

/** The next `metrics.updated` within `ms` (other events are skipped); null when none came. */
async function nextMetrics(socket: SocketReader, ms: number, accept: (live: LiveSnapshot) => boolean = () => true): Promise<LiveSnapshot | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return null;
    let event: Event;
    try {
      event = await socket.next<Event>({ timeoutMs: left });
    } catch {
      return null;
    }
    if (event.type === "metrics.updated" && event.live && accept(event.live)) return event.live;
  }
}

describe("the live view over the socket", () => {
  it("reaches a subscribed manager within a second of a customer's message; never an agent", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const managerSocket = await connect(manager.headers);
    const agentSocket = await connect(agent.headers);
    const inboxSocket = await connect((await signedIn("owner")).headers); // an Owner's inbox: not subscribed

    managerSocket.ws.send(JSON.stringify({ type: "metrics.subscribe" }));
    agentSocket.ws.send(JSON.stringify({ type: "metrics.subscribe" }));
    const first = await nextMetrics(managerSocket, 1000);
    expect(first).not.toBeNull();
    const unassignedBefore = first!.unassigned.count;

    const sentAt = Date.now();
    expect((await postWebhook(inbound({ from: phone(), text: "Is anyone there?" }))).status).toBe(200);
    const after = await nextMetrics(managerSocket, 1000, (live) => live.unassigned.count === unassignedBefore + 1);
    expect(after, "metrics.updated with the new unassigned thread within a second").not.toBeNull();
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(after!.statuses.open).toBeGreaterThanOrEqual(1);

    expect(await nextMetrics(agentSocket, 600)).toBeNull();
    expect(await nextMetrics(inboxSocket, 100)).toBeNull();
  });

  it("shows an agent coming online within a second", async ({ expect }) => {
    const manager = await signedIn("manager");
    const agent = await signedIn("agent");
    const managerSocket = await connect(manager.headers);
    managerSocket.ws.send(JSON.stringify({ type: "metrics.subscribe" }));
    await nextMetrics(managerSocket, 1000);

    const changedAt = Date.now();
    await expectStatus(await call(agent, "PATCH", "/api/session", { availability: "online" }), 200);
    const live = await nextMetrics(managerSocket, 1000, (l) => l.agents.some((a) => a.id === agent.user.id && a.availability === "online"));
    expect(live).not.toBeNull();
    expect(Date.now() - changedAt).toBeLessThan(1000);

    // Their inbox opens: the view shows them connected.
    await connect(agent.headers);
    const connected = await nextMetrics(managerSocket, 1000, (l) => l.agents.some((a) => a.id === agent.user.id && a.connected));
    expect(connected).not.toBeNull();
  });
});
