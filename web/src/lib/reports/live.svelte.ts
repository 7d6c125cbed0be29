/**
 * The live view on the reports page: one WebSocket to /api/events that asks for
 * `metrics.updated` ({"type":"metrics.subscribe"} after every (re)connect) and keeps the latest
 * snapshot — pushed by the Hub within about half a second of any change, never polled. The first
 * snapshot also comes from GET /api/reports/live so the page has figures before the socket opens.
 * Reconnects with the inbox's backoff and keeps the socket alive with its ping.
 */
import { backoffDelay, eventsUrl } from "$lib/live.svelte";
import { reportsApi, type LiveSnapshot } from "./api";

const PING_EVERY_MS = 25_000;

export type LiveMetricsState = "connecting" | "open" | "reconnecting" | "closed";

export function isMetricsEvent(value: unknown): value is { type: "metrics.updated"; live: LiveSnapshot } {
  if (typeof value !== "object" || value === null) return false;
  const event = value as { type?: unknown; live?: { at?: unknown; agents?: unknown } };
  return event.type === "metrics.updated" && typeof event.live?.at === "number" && Array.isArray(event.live.agents);
}

export class LiveMetrics {
  snapshot = $state<LiveSnapshot | null>(null);
  state = $state<LiveMetricsState>("closed");
  error = $state<string | null>(null);

  #socket: WebSocket | null = null;
  #running = false;
  #failures = 0;
  #opened = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #ping: ReturnType<typeof setInterval> | undefined;

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#load();
    this.#connect();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#retry);
    clearInterval(this.#ping);
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, "bye");
    this.state = "closed";
  }

  /** Newer snapshots only: a slow GET must not overwrite a fresher push. */
  #apply(live: LiveSnapshot): void {
    if (!this.snapshot || live.at >= this.snapshot.at) this.snapshot = live;
  }

  async #load(): Promise<void> {
    try {
      this.#apply(await reportsApi.live());
      this.error = null;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  #connect(): void {
    if (!this.#running) return;
    this.state = this.#opened ? "reconnecting" : "connecting";
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
      this.#opened = true;
      this.#failures = 0;
      this.state = "open";
      socket.send(JSON.stringify({ type: "metrics.subscribe" }));
      clearInterval(this.#ping);
      this.#ping = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("ping"), PING_EVERY_MS);
    };
    socket.onmessage = (message) => {
      if (socket !== this.#socket || typeof message.data !== "string" || message.data === "pong") return;
      try {
        const parsed: unknown = JSON.parse(message.data);
        if (isMetricsEvent(parsed)) this.#apply(parsed.live);
      } catch {
        // Not JSON: ignore.
      }
    };
    socket.onclose = (event) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      clearInterval(this.#ping);
      // 4401: signed out — do not reconnect.
      if (event.code === 4401) {
        this.#running = false;
        this.state = "closed";
        return;
      }
      this.#scheduleReconnect();
    };
    socket.onerror = () => {};
  }

  #scheduleReconnect(): void {
    if (!this.#running) return;
    this.state = this.#opened ? "reconnecting" : "connecting";
    this.#failures += 1;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      // Pushes missed while away are not replayed: fetch the view again.
      void this.#load();
      this.#connect();
    }, backoffDelay(this.#failures - 1));
  }
}
