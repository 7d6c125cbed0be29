/**
 * GET /api/events and the Hub Durable Object: the handshake's guards (session, Upgrade, Origin),
 * hello, fan-out of published events, keep-alive pings, surviving hibernation, and closing a
 * session's or a user's sockets.
 */
import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { HUB_CLOSE, HUB_IDENTITY_HEADERS, WORKSPACE_HUB } from "../../durable-objects/hub";
import type { LiveEvent } from "../../worker/contracts/events";
import type { Message } from "../../worker/contracts/api";
import { signedIn } from "./helpers/session";
import { closedWithin, readSocket, type SocketReader } from "./helpers/socket";

const EVENTS_URL = "http://example.com/api/events";

/** Sockets opened by a test, closed after it so the shared workspace hub starts empty. */
const open: SocketReader[] = [];
afterEach(() => {
  for (const reader of open.splice(0)) {
    try {
      reader.ws.close(1000, "test over");
    } catch {
      // already closed by the test
    }
  }
});

async function connect(headers: Record<string, string>) {
  const res = await exports.default.fetch(EVENTS_URL, { headers: { Upgrade: "websocket", ...headers } });
  if (res.status !== 101) throw new Error(`expected 101, got ${res.status}: ${await res.text()}`);
  const reader = readSocket(res);
  open.push(reader);
  return reader;
}

function sampleEvent(conversationId: string, version: number): LiveEvent {
  const message: Message = {
    id: `msg_${version}`,
    conversationId,
    seq: version,
    wamid: `wamid.${version}`,
    direction: "in",
    type: "text",
    text: `hello ${version}`,
    template: null,
    timestamp: 1_760_000_000_000 + version,
    status: "received",
    error: null,
    author: null,
  };
  // An unassigned thread with no team: every signed-in role may see it (the Hub filters by access).
  return { type: "message.created", conversationId, version, message, access: { assigneeId: null, teamId: null } };
}

/** Connects straight to a hub (by name) the way the route does, for tests of the hub alone. */
async function connectToHub(hubName: string, identity: { userId: string; role: string; sessionId?: string }) {
  const headers: Record<string, string> = {
    Upgrade: "websocket",
    [HUB_IDENTITY_HEADERS.userId]: identity.userId,
    [HUB_IDENTITY_HEADERS.role]: identity.role,
  };
  if (identity.sessionId) headers[HUB_IDENTITY_HEADERS.sessionId] = identity.sessionId;
  const res = await env.HUB.getByName(hubName).fetch("https://hub.internal/connect", { headers });
  if (res.status !== 101) throw new Error(`expected 101, got ${res.status}`);
  const reader = readSocket(res);
  open.push(reader);
  return reader;
}

describe("GET /api/events", () => {
  it("upgrades a signed-in, same-origin request and says hello with the user's id", async ({ expect }) => {
    const { user, headers } = await signedIn("agent");
    const socket = await connect(headers);
    expect(await socket.next()).toEqual({ type: "hello", userId: user.id });
  });

  it("pushes an event published through the HUB binding to every connected user", async ({ expect }) => {
    const agent = await signedIn("agent");
    const manager = await signedIn("manager");
    const agentSocket = await connect(agent.headers);
    const managerSocket = await connect(manager.headers);
    await agentSocket.next();
    await managerSocket.next();

    const event = sampleEvent("cnv_publish", 7);
    await env.HUB.getByName(WORKSPACE_HUB).publish(event);

    expect(await agentSocket.next()).toEqual(event);
    expect(await managerSocket.next()).toEqual(event);
  });

  it("delivers events in the order they were published", async ({ expect }) => {
    const { headers } = await signedIn();
    const socket = await connect(headers);
    await socket.next();
    const hub = env.HUB.getByName(WORKSPACE_HUB);
    for (let version = 1; version <= 5; version++) await hub.publish(sampleEvent("cnv_order", version));
    const versions: number[] = [];
    for (let i = 0; i < 5; i++) versions.push((await socket.next<{ version: number }>()).version);
    expect(versions).toEqual([1, 2, 3, 4, 5]);
  });

  it("answers 401 without a session", async ({ expect }) => {
    const res = await exports.default.fetch(EVENTS_URL, {
      headers: { Upgrade: "websocket", Origin: "http://example.com" },
    });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });

  it("answers 401 for a cookie that is not a live session", async ({ expect }) => {
    const res = await exports.default.fetch(EVENTS_URL, {
      headers: { Upgrade: "websocket", Origin: "http://example.com", Cookie: "chorus_session=not-a-session" },
    });
    expect(res.status).toBe(401);
  });

  it("refuses a handshake from another site with 403 (cross-site WebSocket hijacking)", async ({ expect }) => {
    const { headers } = await signedIn();
    const res = await exports.default.fetch(EVENTS_URL, {
      headers: { ...headers, Upgrade: "websocket", Origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
    expect(await res.json()).toEqual({ error: { code: "origin_refused", message: expect.any(String) } });
  });

  it("refuses a handshake without an Origin with 403", async ({ expect }) => {
    const { cookie } = await signedIn();
    const res = await exports.default.fetch(EVENTS_URL, { headers: { Cookie: cookie, Upgrade: "websocket" } });
    expect(res.status).toBe(403);
  });

  it("answers 426 upgrade_required to a plain GET", async ({ expect }) => {
    const { headers } = await signedIn();
    const res = await exports.default.fetch(EVENTS_URL, { headers });
    expect(res.status).toBe(426);
    expect(await res.json()).toEqual({ error: { code: "upgrade_required", message: expect.any(String) } });
  });

  it("ignores identity headers a client sends and uses the session's user", async ({ expect }) => {
    const { user, headers } = await signedIn("agent");
    const socket = await connect({
      ...headers,
      [HUB_IDENTITY_HEADERS.userId]: "usr_someone_else",
      [HUB_IDENTITY_HEADERS.role]: "owner",
      [HUB_IDENTITY_HEADERS.sessionId]: "forged",
    });
    expect(await socket.next()).toEqual({ type: "hello", userId: user.id });
    const connections = await env.HUB.getByName(WORKSPACE_HUB).connections();
    expect(connections["usr_someone_else"]).toBeUndefined();
    expect(connections[user.id]).toBe(1);
  });

  it("closes the socket of a session that signs out (DELETE /api/session) and no other", async ({ expect }) => {
    const leaving = await signedIn("agent");
    const staying = await signedIn("agent");
    const leavingSocket = await connect(leaving.headers);
    const stayingSocket = await connect(staying.headers);
    await leavingSocket.next();
    await stayingSocket.next();

    const res = await exports.default.fetch("http://example.com/api/session", {
      method: "DELETE",
      headers: leaving.headers,
    });
    expect(res.status).toBe(204);
    expect(await closedWithin(leavingSocket)).toEqual(HUB_CLOSE.signedOut);

    const event = sampleEvent("cnv_after_signout", 1);
    await env.HUB.getByName(WORKSPACE_HUB).publish(event);
    expect(await stayingSocket.next()).toEqual(event);
  });
});

describe("HubDO", () => {
  it("answers the keep-alive ping with pong", async ({ expect }) => {
    const socket = await connectToHub(crypto.randomUUID(), { userId: "usr_ping", role: "agent", sessionId: "s1" });
    await socket.next();
    socket.ws.send("ping");
    expect(await socket.next({ raw: true })).toBe("pong");
  });

  it("keeps its sockets, their identity and the ping answer across hibernation", async ({ expect }) => {
    const hubName = crypto.randomUUID();
    const hub = env.HUB.getByName(hubName);
    const socket = await connectToHub(hubName, { userId: "usr_sleepy", role: "manager", sessionId: "s_sleepy" });
    await socket.next();

    await evictDurableObject(hub); // WebSockets hibernate rather than close (the default)

    socket.ws.send("ping");
    expect(await socket.next({ raw: true })).toBe("pong");
    expect(await hub.connections()).toEqual({ usr_sleepy: 1 });
    const event = sampleEvent("cnv_sleepy", 3);
    await hub.publish(event);
    expect(await socket.next()).toEqual(event);

    await evictDurableObject(hub);
    expect(await hub.disconnectSession("s_sleepy")).toBe(1);
    expect(await closedWithin(socket)).toEqual(HUB_CLOSE.signedOut);
  });

  it("disconnectSession closes only that session's sockets", async ({ expect }) => {
    const hubName = crypto.randomUUID();
    const hub = env.HUB.getByName(hubName);
    const tabA = await connectToHub(hubName, { userId: "usr_a", role: "agent", sessionId: "sess_a" });
    const tabA2 = await connectToHub(hubName, { userId: "usr_a", role: "agent", sessionId: "sess_a" });
    const phoneA = await connectToHub(hubName, { userId: "usr_a", role: "agent", sessionId: "sess_a_phone" });
    for (const s of [tabA, tabA2, phoneA]) await s.next();

    expect(await hub.disconnectSession("sess_a")).toBe(2);
    expect(await closedWithin(tabA)).toEqual(HUB_CLOSE.signedOut);
    expect(await closedWithin(tabA2)).toEqual(HUB_CLOSE.signedOut);

    const event = sampleEvent("cnv_phone", 1);
    await hub.publish(event);
    expect(await phoneA.next()).toEqual(event);
    expect(await hub.disconnectSession("sess_unknown")).toBe(0);
  });

  it("disconnectUser closes every socket of that user, with or without a session, and no one else's", async ({ expect }) => {
    const hubName = crypto.randomUUID();
    const hub = env.HUB.getByName(hubName);
    const gone1 = await connectToHub(hubName, { userId: "usr_gone", role: "agent", sessionId: "g1" });
    // An API-token client has no session.
    const gone2 = await connectToHub(hubName, { userId: "usr_gone", role: "agent" });
    const other = await connectToHub(hubName, { userId: "usr_other", role: "owner", sessionId: "o1" });
    for (const s of [gone1, gone2, other]) await s.next();

    expect(await hub.disconnectUser("usr_gone")).toBe(2);
    expect(await closedWithin(gone1)).toEqual(HUB_CLOSE.signedOut);
    expect(await closedWithin(gone2)).toEqual(HUB_CLOSE.signedOut);
    expect(await hub.connections()).toEqual({ usr_other: 1 });

    const event = sampleEvent("cnv_other", 2);
    await hub.publish(event);
    expect(await other.next()).toEqual(event);
  });

  it("forgets a socket the browser closed", async ({ expect }) => {
    const hubName = crypto.randomUUID();
    const hub = env.HUB.getByName(hubName);
    const socket = await connectToHub(hubName, { userId: "usr_leaves", role: "agent", sessionId: "l1" });
    await socket.next();
    socket.ws.close(1000, "tab closed");
    await closedWithin(socket);
    // The runtime completes the close handshake asynchronously; poll briefly.
    let connections = await hub.connections();
    for (let i = 0; i < 20 && Object.keys(connections).length; i++) {
      await new Promise((r) => setTimeout(r, 25));
      connections = await hub.connections();
    }
    expect(connections).toEqual({});
    await hub.publish(sampleEvent("cnv_nobody", 1)); // nobody to send to: must not throw
  });

  it("refuses an upgrade without an identity (only the /api/events route may connect)", async ({ expect }) => {
    const res = await env.HUB.getByName(crypto.randomUUID()).fetch("https://hub.internal/connect", {
      headers: { Upgrade: "websocket", [HUB_IDENTITY_HEADERS.userId]: "usr_x", [HUB_IDENTITY_HEADERS.role]: "root" },
    });
    expect(res.status).toBe(400);
    expect(res.webSocket).toBeNull();
  });
});
