/**
 * A test-side reader for a WebSocket returned by a 101 response inside workerd: messages are
 * queued as they arrive and taken one at a time, so a test can await "the next message" without
 * racing the event listener.
 */
export interface SocketReader {
  ws: WebSocket;
  /** The next text message, parsed as JSON unless `raw`; rejects after `timeoutMs`. */
  next<T = unknown>(options?: { raw?: boolean; timeoutMs?: number }): Promise<T>;
  /** Resolves with the close event once the server (or we) closed the socket. */
  closed: Promise<{ code: number; reason: string }>;
  /** Messages received and not yet taken. */
  pending(): number;
}

export function readSocket(response: Response): SocketReader {
  const ws = response.webSocket;
  if (!ws) throw new Error(`expected a WebSocket upgrade, got ${response.status}`);
  const queue: string[] = [];
  const waiters: Array<(data: string) => void> = [];
  let onClose!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClose = resolve));

  ws.addEventListener("message", (event) => {
    const data = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer);
    const waiter = waiters.shift();
    if (waiter) waiter(data);
    else queue.push(data);
  });
  ws.addEventListener("close", (event) => onClose({ code: event.code, reason: event.reason }));
  ws.accept();

  return {
    ws,
    closed,
    pending: () => queue.length,
    next<T>({ raw = false, timeoutMs = 2000 } = {}): Promise<T> {
      const parse = (data: string) => (raw ? data : JSON.parse(data)) as T;
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(parse(queued));
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(deliver), 1);
          reject(new Error(`no WebSocket message within ${timeoutMs} ms`));
        }, timeoutMs);
        const deliver = (data: string) => {
          clearTimeout(timer);
          resolve(parse(data));
        };
        waiters.push(deliver);
      });
    },
  };
}

/** Resolves with the close event, or rejects when the socket stays open past `timeoutMs`. */
export function closedWithin(reader: SocketReader, timeoutMs = 2000) {
  return Promise.race([
    reader.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs)),
  ]);
}
