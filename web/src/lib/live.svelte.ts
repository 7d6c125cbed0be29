/**
 * One WebSocket to /api/events while the inbox is open. Reconnects with exponential backoff and
 * jitter, pings every 25 s (the server answers "pong") to keep proxies from closing an idle socket
 * and to notice a dead one, and asks the owner to resync after every (re)connect because events
 * sent while we were away are not replayed.
 */
import type { LiveEvent } from "$contracts/events";

export type LiveState = "connecting" | "open" | "reconnecting" | "closed";

/** The events about one thread (the union may grow with kinds this inbox does not show). */
export type ThreadEvent = Extract<LiveEvent, { type: "message.created" | "message.updated" | "conversation.updated" }>;

export function isThreadEvent(event: LiveEvent): event is ThreadEvent {
  return event.type === "message.created" || event.type === "message.updated" || event.type === "conversation.updated";
}

export interface LiveHandlers {
  onEvent(event: LiveEvent): void;
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

function isLiveEvent(value: unknown): value is LiveEvent {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (type === "hello") return true;
  if (type !== "message.created" && type !== "message.updated" && type !== "conversation.updated") return false;
  const event = value as { conversationId?: unknown; version?: unknown };
  return typeof event.conversationId === "string" && typeof event.version === "number";
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
      if (isLiveEvent(parsed)) this.#handlers.onEvent(parsed);
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
