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
import { PRESENCE_TTL_MS, type LiveEvent, type PresenceEvent, type PresenceState, type ThreadAccess } from "../worker/contracts/events";
import type { CollaborationEvent } from "../worker/contracts/collaboration";
import { MetricsPusher } from "../worker/reports/live-push";

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
  /** The user's display name (shown in presence). */
  name: "X-Chorus-Hub-Name",
  /** JSON array of the user's team ids (agents' visibility). */
  teamIds: "X-Chorus-Hub-Teams",
  /** "1" when the workspace lets agents see every thread. */
  seesAll: "X-Chorus-Hub-Sees-All",
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
  name: string;
  /** The user's teams when the socket opened; a membership change closes the socket so it reopens fresh. */
  teamIds: string[];
  /** The workspace setting "agents see all conversations" when the socket opened (a change closes agents' sockets). */
  seesAll: boolean;
  /** Where this socket's person is and what they do there (refreshed by the browser; expires). */
  presence?: { conversationId: string; state: PresenceState; at: number } | null;
}

const ROLES: readonly Role[] = ["owner", "manager", "agent"];
const sessionTag = (sessionId: string) => `session:${sessionId}`;
const roleTag = (role: Role) => `role:${role}`;

/**
 * Whether a person may open a thread with this holder and team (design.md role table; the same
 * rule as the conversation routes' `visibleToSql`): Owners and Managers see every thread; an Agent
 * sees threads assigned to them and unassigned threads of their teams or of no team — or every
 * thread when the workspace says so.
 */
export function maySee(attachment: SocketAttachment, access: ThreadAccess): boolean {
  if (attachment.role !== "agent" || attachment.seesAll) return true;
  if (access.assigneeId !== null) return access.assigneeId === attachment.userId;
  return access.teamId === null || attachment.teamIds.includes(access.teamId);
}

/** The holder and team of the thread an event is about, or null when the event is not about a thread. */
export function accessOf(event: LiveEvent): ThreadAccess | null | undefined {
  switch (event.type) {
    case "hello":
      return null;
    case "conversation.updated":
      return { assigneeId: event.conversation.assigneeId, teamId: event.conversation.teamId ?? null };
    default:
      // undefined: a thread event that does not say who may see it — only Owners and Managers get it.
      return event.access;
  }
}

/**
 * Whether this socket may be sent this event: an agent's socket never carries a thread that agent
 * may not open (issue 3). `previous` is the thread's access before this change, so the agent who
 * just lost a thread still hears that it left their list.
 */
export function mayReceive(attachment: SocketAttachment, event: LiveEvent, previous?: ThreadAccess): boolean {
  const access = accessOf(event);
  if (access === null) return true;
  if (attachment.role !== "agent" || attachment.seesAll) return true;
  if (access === undefined) return false;
  return maySee(attachment, access) || (previous !== undefined && maySee(attachment, previous));
}

export class HubDO extends DurableObject<Env> {
  /**
   * The last known holder and team of each thread an event went out for. In memory only: after the
   * hub wakes from hibernation it is empty and the "lost a thread" notice is skipped once — the
   * browser's list still corrects itself at its next refetch (every reconnect).
   */
  private lastAccess = new Map<string, ThreadAccess>();
  /** Reports' live view: `metrics.updated` to Owners' and Managers' sockets (worker/reports/live-push.ts). */
  private readonly metrics: MetricsPusher;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Stored by the runtime with the object, so it also holds while the hub hibernates.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.metrics = new MetricsPusher(ctx, env);
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
    // Someone's inbox opened: the live view shows who is connected.
    this.metrics.changed();
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Push one event to every connected socket that may see it; the event is encoded once. */
  async publish(event: LiveEvent): Promise<void> {
    await this.publishMany([event]);
  }

  /**
   * Several events of one change, in order, in one call (a thread change pushes a message and its
   * summary). Who may receive them is judged against the thread's access before AND after the
   * change, taken once for the whole batch, so the agent who just lost a thread gets every event of
   * the change that took it away — and nothing after.
   */
  async publishMany(events: LiveEvent[]): Promise<void> {
    const previous = new Map<string, ThreadAccess | undefined>();
    for (const event of events) {
      if (!("conversationId" in event) || previous.has(event.conversationId)) continue;
      previous.set(event.conversationId, this.lastAccess.get(event.conversationId) ?? (await this.indexedAccess(event.conversationId)) ?? undefined);
    }
    const sockets = this.ctx.getWebSockets();
    for (const event of events) {
      const payload = JSON.stringify(event);
      const conversationId = "conversationId" in event ? event.conversationId : null;
      const before = conversationId ? previous.get(conversationId) : undefined;
      for (const ws of sockets) {
        const attachment = attachmentOf(ws);
        if (!attachment || !mayReceive(attachment, event, before)) continue;
        try {
          ws.send(payload);
        } catch {
          // The socket is closing; its close handler tidies up. One bad socket must not stop the rest.
        }
      }
    }
    for (const event of events) {
      const access = accessOf(event);
      if ("conversationId" in event && access) this.lastAccess.set(event.conversationId, access);
    }
    // A thread changed: the live view's counts (from the D1 index, written by the DO alongside this
    // push) move too. Debounced 250 ms, so the DO needs no second call per change (issue 7).
    if (events.some((e) => e.type === "conversation.updated")) this.metrics.changed();
  }

  /** Close every socket of a role (a workspace setting that changes what agents may see). */
  async disconnectRole(role: Role): Promise<number> {
    return closeAll(this.ctx.getWebSockets(roleTag(role)));
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

  /**
   * A live figure changed — the deferred-writes consumer folded report facts, someone's availability changed:
   * Owners and Managers get a fresh live view within ¼ s (issue 6; debounced, never to agents).
   */
  async metricsChanged(): Promise<void> {
    this.metrics.changed();
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
   * Browsers send the keep-alive (answered by the auto-response before this runs) and presence:
   * `{type:"presence", conversationId, state:"viewing"|"typing"|"idle"}`. Everything else is
   * ignored — writes go through REST. Presence is kept in the socket's attachment (it survives
   * hibernation) and shown only to people who may see that thread; an agent's presence in a
   * thread they may not open is ignored.
   */
  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > 512 || message[0] !== "{") return;
    let input: unknown;
    try {
      input = JSON.parse(message);
    } catch {
      return;
    }
    // The reports page asks for the live view (issue 6, worker/reports/live-push.ts).
    if (this.metrics.subscribe(ws, input)) return;
    const attachment = attachmentOf(ws);
    const presence = parsePresence(input);
    if (!attachment || !presence) return;
    if (presence.state !== "idle" && !(await this.mayOpen(attachment, presence.conversationId))) return;
    const before = attachment.presence?.conversationId ?? null;
    attachment.presence = presence.state === "idle" ? null : { conversationId: presence.conversationId, state: presence.state, at: Date.now() };
    ws.serializeAttachment(attachment);
    if (before && before !== presence.conversationId) await this.broadcastPresence(before);
    await this.broadcastPresence(presence.conversationId);
  }

  /** Tell everyone who may see a thread who is in it now. */
  private async broadcastPresence(conversationId: string): Promise<void> {
    const now = Date.now();
    const users = new Map<string, { id: string; name: string; state: PresenceState }>();
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      const a = attachmentOf(ws);
      const p = a?.presence;
      if (!a || !p || p.conversationId !== conversationId || now - p.at > PRESENCE_TTL_MS) continue;
      const known = users.get(a.userId);
      if (!known || (known.state === "viewing" && p.state === "typing")) users.set(a.userId, { id: a.userId, name: a.name, state: p.state });
    }
    const event: PresenceEvent = { type: "presence", conversationId, users: [...users.values()] };
    const payload = JSON.stringify(event);
    const access = await this.threadAccess(conversationId);
    for (const ws of sockets) {
      const a = attachmentOf(ws);
      if (!a || (access ? !maySee(a, access) : a.role === "agent" && !a.seesAll)) continue;
      try {
        ws.send(payload);
      } catch {
        // closing
      }
    }
  }

  private async mayOpen(attachment: SocketAttachment, conversationId: string): Promise<boolean> {
    if (attachment.role !== "agent" || attachment.seesAll) return true;
    const access = await this.threadAccess(conversationId);
    return access !== null && maySee(attachment, access);
  }

  /** A thread's holder and team: from the last event seen, else from the D1 index. */
  private async threadAccess(conversationId: string): Promise<ThreadAccess | null> {
    const known = this.lastAccess.get(conversationId);
    if (known) return known;
    const access = await this.indexedAccess(conversationId);
    if (access) this.lastAccess.set(conversationId, access);
    return access;
  }

  /**
   * A thread's holder and team as the D1 index has them. The hub's memory is empty after it wakes
   * from hibernation; the index is written after the thread's events are published, so at publish
   * time it usually still holds the state before the change.
   */
  private async indexedAccess(conversationId: string): Promise<ThreadAccess | null> {
    const row = await this.env.DB.prepare("SELECT assignee_id, team_id FROM conversations WHERE id = ?")
      .bind(conversationId)
      .first<{ assignee_id: string | null; team_id: string | null }>();
    return row ? { assigneeId: row.assignee_id, teamId: row.team_id } : null;
  }


  /**
   * The socket's state lives in its attachment and goes with it. Echo the peer's Close frame so
   * the browser's close completes: web_socket_auto_reply_to_close (compatibility date 2026-04-07)
   * does not cover hibernatable sockets in the runtime we test on, and a close() on a socket that
   * is already closed is a no-op.
   */
  async webSocketClose(ws: WebSocket, code: number, reason: string, _wasClean: boolean): Promise<void> {
    // Whoever was in a thread through this socket has left it.
    const attachment = attachmentOf(ws);
    const left = attachment?.presence?.conversationId;
    if (attachment && left) {
      attachment.presence = null;
      try {
        ws.serializeAttachment(attachment);
      } catch {
        // Already closed: getWebSockets() no longer lists it either way.
      }
      await this.broadcastPresence(left).catch((err) => console.warn("presence broadcast failed", err));
    }
    // 1005 (no status) and 1006 (abnormal) are reserved: they may be received, never sent.
    safeClose(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    this.metrics.changed();
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
  let teamIds: string[] = [];
  try {
    const parsed = JSON.parse(headers.get(HUB_IDENTITY_HEADERS.teamIds) ?? "[]") as unknown;
    if (Array.isArray(parsed)) teamIds = parsed.filter((t): t is string => typeof t === "string");
  } catch {
    teamIds = [];
  }
  return {
    userId,
    role,
    sessionId,
    name: safeDecode(headers.get(HUB_IDENTITY_HEADERS.name) ?? ""),
    teamIds,
    seesAll: headers.get(HUB_IDENTITY_HEADERS.seesAll) === "1",
    presence: null,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return "";
  }
}

const PRESENCE_STATES = new Set(["viewing", "typing", "idle"]);

function parsePresence(input: unknown): { conversationId: string; state: PresenceState | "idle" } | null {
  if (typeof input !== "object" || input === null) return null;
  const { type, conversationId, state } = input as Record<string, unknown>;
  if (type !== "presence" || typeof conversationId !== "string" || conversationId.length === 0 || conversationId.length > 128) return null;
  if (typeof state !== "string" || !PRESENCE_STATES.has(state)) return null;
  return { conversationId, state: state as PresenceState | "idle" };
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
