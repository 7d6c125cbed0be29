/**
 * One WebSocket to /api/events while the inbox is open. Reconnects with exponential backoff and
 * jitter, pings every 25 s (the server answers "pong") to keep proxies from closing an idle socket
 * and to notice a dead one, and asks the owner to resync after every (re)connect because events
 * sent while we were away are not replayed.
 */
import type { CollaborationEvent } from "$contracts/collaboration";
import type { LiveEvent } from "$contracts/events";

export type LiveState = "connecting" | "open" | "reconnecting" | "closed";

/** The events about one thread (the union may grow with kinds this inbox does not show). */
export type ThreadEvent = Extract<LiveEvent, { type: "message.created" | "message.updated" | "conversation.updated" }>;

export function isThreadEvent(event: LiveEvent): event is ThreadEvent {
  return event.type === "message.created" || event.type === "message.updated" || event.type === "conversation.updated";
}

/** What this browser says about itself in a thread (re-sent while true; "idle" when leaving). */
export type PresenceState = "viewing" | "typing" | "idle";
export interface PresenceUser {
  id: string;
  name: string;
  state: PresenceState;
}
/**
 * Who is in a thread, from the hub. The contract the inbox speaks (issue 4): the browser sends
 * `{type:"presence", conversationId, state}` on this socket and receives this.
 */
export interface PresenceEvent {
  type: "presence";
  conversationId: string;
  users: PresenceUser[];
}

/** Everything the inbox understands on the socket; anything else is ignored. */
export type InboxEvent = LiveEvent | CollaborationEvent | PresenceEvent;

export interface LiveHandlers {
  onEvent(event: InboxEvent): void;
  /** Called on every open: the first one too, since events may have passed before it. */
  onOpen(info: { reconnect: boolean }): void;
  /** Several attempts failed in a row: the session may have ended (an upgrade cannot say 401). */
  onTrouble?(): void;
}

const PING_EVERY_MS = 25_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const TROUBLE_AFTER_ATTEMPTS = 3;

/** Exponential backoff with "equal jitter": half fixed, half random, so clients spread out. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function eventsUrl(loc: Pick<Location, "protocol" | "host"> = location): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}/api/events`;
}

/** Checks the shape of what arrived before anything trusts it (the union may grow). */
export function isInboxEvent(value: unknown): value is InboxEvent {
  if (typeof value !== "object" || value === null) return false;
  const event = value as Record<string, unknown>;
  switch (event.type) {
    case "hello":
      return typeof event.userId === "string";
    case "message.created":
    case "message.updated":
    case "conversation.updated":
      return typeof event.conversationId === "string" && typeof event.version === "number";
    case "notification.created":
      return typeof event.notification === "object" && event.notification !== null && typeof event.unreadCount === "number";
    case "notifications.read":
      return typeof event.unreadCount === "number" && (event.ids === "all" || Array.isArray(event.ids));
    case "conversation.labels":
      return typeof event.conversationId === "string" && Array.isArray(event.labels);
    case "presence":
      return typeof event.conversationId === "string" && Array.isArray(event.users);
    default:
      return false;
  }
}

export class LiveConnection {
  state = $state<LiveState>("closed");

  #handlers: LiveHandlers;
  #socket: WebSocket | null = null;
  #running = false;
  #everOpened = false;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #awaitingPong = false;

  constructor(handlers: LiveHandlers) {
    this.#handlers = handlers;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    window.addEventListener("online", this.#reconnectNow);
    document.addEventListener("visibilitychange", this.#onVisibility);
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    window.removeEventListener("online", this.#reconnectNow);
    document.removeEventListener("visibilitychange", this.#onVisibility);
    clearTimeout(this.#retryTimer);
    this.#stopPing();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, "bye");
    this.state = "closed";
  }

  /** Sends a small JSON message (presence) if the socket is open; false when it is not. */
  send(message: object): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  #connect(): void {
    if (!this.#running) return;
    clearTimeout(this.#retryTimer);
    this.state = this.#everOpened ? "reconnecting" : "connecting";
    let socket: WebSocket;
    try {
      socket = new WebSocket(eventsUrl());
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;

    socket.onopen = () => {
      if (socket !== this.#socket) return;
      const reconnect = this.#everOpened;
      this.#everOpened = true;
      this.#failures = 0;
      this.state = "open";
      this.#startPing(socket);
      this.#handlers.onOpen({ reconnect });
    };
    socket.onmessage = (message) => {
      if (socket !== this.#socket || typeof message.data !== "string") return;
      if (message.data === "pong") {
        this.#awaitingPong = false;
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (isInboxEvent(parsed)) this.#handlers.onEvent(parsed);
    };
    socket.onclose = () => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#stopPing();
      this.#scheduleReconnect();
    };
    // An error is always followed by close, which does the work.
    socket.onerror = () => {};
  }

  #scheduleReconnect(): void {
    if (!this.#running) {
      this.state = "closed";
      return;
    }
    this.state = this.#everOpened ? "reconnecting" : "connecting";
    this.#failures += 1;
    if (this.#failures === TROUBLE_AFTER_ATTEMPTS) this.#handlers.onTrouble?.();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), backoffDelay(this.#failures - 1));
  }

  #startPing(socket: WebSocket): void {
    this.#stopPing();
    this.#awaitingPong = false;
    this.#pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (this.#awaitingPong) {
        // No pong for a whole interval: the connection is dead even if the browser hasn't noticed.
        socket.close(4000, "no pong");
        return;
      }
      this.#awaitingPong = true;
      socket.send("ping");
    }, PING_EVERY_MS);
  }

  #stopPing(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  /** Back online or back to the tab: don't wait out a long backoff. */
  #reconnectNow = (): void => {
    if (!this.#running || this.#socket) return;
    this.#failures = 0;
    this.#connect();
  };

  #onVisibility = (): void => {
    if (document.visibilityState === "visible") this.#reconnectNow();
  };
}
