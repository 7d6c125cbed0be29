/**
 * The Hub: one Durable Object per workspace that holds every signed-in browser's WebSocket and
 * pushes live events to them (design.md, "Live").
 *
 * Sockets are accepted with the Hibernation API (`ctx.acceptWebSocket`), so an idle hub costs
 * nothing: the runtime keeps the connections while the object is evicted from memory, and every
 * per-socket fact the hub needs after waking lives in the socket's attachment and tags, never in
 * instance fields. Keep-alive pings are answered by the runtime itself (auto-response) and do not
 * wake the object.
 * https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 */
import { DurableObject } from "cloudflare:workers";
import type { Env, Role } from "../worker/env";
import type { LiveEvent } from "../worker/contracts/events";
import type { CollaborationEvent } from "../worker/contracts/collaboration";

/** One hub per workspace (design.md): `env.HUB.getByName(WORKSPACE_HUB)`. Shard by team here if it ever gets hot. */
export const WORKSPACE_HUB = "workspace";

/**
 * Headers the /api/events route sets on the request it forwards here. The route builds that
 * request from scratch, so a browser cannot supply them; the hub is reachable only through its
 * binding.
 */
export const HUB_IDENTITY_HEADERS = {
  userId: "X-Chorus-Hub-User",
  role: "X-Chorus-Hub-Role",
  sessionId: "X-Chorus-Hub-Session",
} as const;

/** Close codes the browser can act on (4000–4999 are for applications, RFC 6455 §7.4.2). */
export const HUB_CLOSE = {
  /** The session ended (sign-out, deactivation): do not reconnect, go to the sign-in page. */
  signedOut: { code: 4401, reason: "signed_out" },
  /** Something broke on our side: reconnect with backoff. */
  error: { code: 1011, reason: "internal_error" },
} as const;

/** The client's keep-alive. The runtime answers it without waking the hub. */
export const PING = "ping";
export const PONG = "pong";

/** What each socket remembers across hibernation. */
export interface SocketAttachment {
  userId: string;
  role: Role;
  /** The browser session the socket was opened with; null for an API-token client (no session). */
  sessionId: string | null;
}

const ROLES: readonly Role[] = ["owner", "manager", "agent"];
const sessionTag = (sessionId: string) => `session:${sessionId}`;
const roleTag = (role: Role) => `role:${role}`;

/**
 * Whether this socket may be sent this event.
 *
 * Every signed-in user receives every event for now. Issue 3 ("Team and access") replaces this
 * with the role rules of design.md — an agent's socket must never carry a thread that agent may not
 * open — so every send goes through this one function.
 */
export function mayReceive(_attachment: SocketAttachment, _event: LiveEvent): boolean {
  return true;
}

export class HubDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Stored by the runtime with the object, so it also holds while the hub hibernates.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /**
   * The WebSocket upgrade only (RPC is used for everything else). The caller — the /api/events
   * route — has already authenticated the user and checked the Origin.
   */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade.", { status: 426 });
    }
    const attachment = identityFrom(request.headers);
    if (!attachment) return new Response("Missing or invalid identity.", { status: 400 });

    const { 0: client, 1: server } = new WebSocketPair();
    // Tags let disconnectUser/disconnectSession find a user's sockets without reading them all.
    const tags = [attachment.userId, roleTag(attachment.role)];
    if (attachment.sessionId) tags.push(sessionTag(attachment.sessionId));
    this.ctx.acceptWebSocket(server, tags);
    server.serializeAttachment(attachment);
    server.send(JSON.stringify({ type: "hello", userId: attachment.userId } satisfies LiveEvent));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Push one event to every connected socket that may see it; the event is encoded once. */
  async publish(event: LiveEvent): Promise<void> {
    const payload = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = attachmentOf(ws);
      if (!attachment || !mayReceive(attachment, event)) continue;
      try {
        ws.send(payload);
      } catch {
        // The socket is closing; its close handler tidies up. One bad socket must not stop the rest.
      }
    }
  }

  /**
   * Push one event to these users' sockets only (their notifications; a thread's labels to the
   * people who may see it — the caller decides who). Sockets are found by their user-id tag, not
   * by reading every socket; the event is encoded once. Returns how many sockets it was sent to.
   */
  async publishToUsers(userIds: string[], event: LiveEvent | CollaborationEvent): Promise<number> {
    const payload = JSON.stringify(event);
    let sent = 0;
    for (const userId of new Set(userIds)) {
      for (const ws of this.ctx.getWebSockets(userId)) {
        // The tag is the user id; the attachment confirms it (a tag is only a lookup key).
        if (attachmentOf(ws)?.userId !== userId) continue;
        try {
          ws.send(payload);
          sent++;
        } catch {
          // The socket is closing; its close handler tidies up.
        }
      }
    }
    return sent;
  }

  /** Close every socket of a user (deactivation, role change). Returns how many were closed. */
  async disconnectUser(userId: string): Promise<number> {
    return closeAll(this.ctx.getWebSockets(userId));
  }

  /** Close the sockets opened with one session (sign-out). Returns how many were closed. */
  async disconnectSession(sessionId: string): Promise<number> {
    return closeAll(this.ctx.getWebSockets(sessionTag(sessionId)));
  }

  /** How many sockets are open, by user id (who is online). */
  async connections(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = attachmentOf(ws);
      if (attachment) counts[attachment.userId] = (counts[attachment.userId] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Browsers send nothing but the keep-alive, which the auto-response answers before this runs.
   * Anything else is ignored: the socket is one-way (server → browser); writes go through REST.
   */
  async webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {}

  /**
   * The socket's state lives in its attachment and goes with it. Echo the peer's Close frame so
   * the browser's close completes: web_socket_auto_reply_to_close (compatibility date 2026-04-07)
   * does not cover hibernatable sockets in the runtime we test on, and a close() on a socket that
   * is already closed is a no-op.
   */
  async webSocketClose(ws: WebSocket, code: number, reason: string, _wasClean: boolean): Promise<void> {
    // 1005 (no status) and 1006 (abnormal) are reserved: they may be received, never sent.
    safeClose(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn("hub socket error", error);
    safeClose(ws, HUB_CLOSE.error.code, HUB_CLOSE.error.reason);
  }
}

function identityFrom(headers: Headers): SocketAttachment | null {
  const userId = headers.get(HUB_IDENTITY_HEADERS.userId);
  const role = headers.get(HUB_IDENTITY_HEADERS.role) as Role | null;
  const sessionId = headers.get(HUB_IDENTITY_HEADERS.sessionId) || null;
  if (!userId || !role || !ROLES.includes(role)) return null;
  // Tags are at most 256 characters; our ids are far shorter, anything longer is not ours.
  if (userId.length > 128 || (sessionId && sessionId.length > 128)) return null;
  return { userId, role, sessionId };
}

function attachmentOf(ws: WebSocket): SocketAttachment | null {
  return (ws.deserializeAttachment() as SocketAttachment | null) ?? null;
}

function closeAll(sockets: WebSocket[]): number {
  let closed = 0;
  for (const ws of sockets) {
    if (safeClose(ws, HUB_CLOSE.signedOut.code, HUB_CLOSE.signedOut.reason)) closed++;
  }
  return closed;
}

function safeClose(ws: WebSocket, code: number, reason: string): boolean {
  try {
    ws.close(code, reason);
    return true;
  } catch {
    // Already closed or closing.
    return false;
  }
}
