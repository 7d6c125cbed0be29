/**
 * A signed-in API client for a running Chorus (the way the web app talks to it): first-run setup
 * of the Owner, an Agent invited and signed in through the public API, a session cookie, and the
 * live WebSocket (`/api/events`). Self-contained (node builtins and Node's global fetch/WebSocket)
 * so `npm run bench` can import it through Node's type stripping as well as the fault suite.
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  json: T;
  headers: Headers;
}

export class ChorusClient {
  cookie = "";
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  /**
   * Any request; JSON in and out, the session cookie and our own Origin (CSRF guard) attached.
   * A connection that drops before the answer (a keep-alive socket the server closed just as we
   * reused it) is retried when that is safe — a GET, or a request carrying an Idempotency-Key,
   * which is what the key is for — and thrown otherwise.
   */
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const safeToRetry = method === "GET" || Object.keys(headers).some((h) => h.toLowerCase() === "idempotency-key");
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, body, headers);
      } catch (err) {
        const dropped = err instanceof TypeError && !(err instanceof DOMException);
        if (!safeToRetry || !dropped || attempt >= 3) throw err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private async once<T>(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<ApiAnswer<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Origin: this.baseUrl,
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(body !== undefined && typeof body !== "string" ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const pair = setCookie.split(";")[0]!;
      if (pair.split("=")[1]) this.cookie = pair;
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json: json as T, headers: res.headers };
  }

  async expectOk<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const answer = await this.request<T>(method, path, body, headers);
    if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.json)}`);
    return answer.json;
  }

  /** First run: create the Owner (signed in afterwards). */
  async setupOwner(email = "owner@example.com", password = "owner password 1234"): Promise<void> {
    await this.expectOk("POST", "/api/setup", { name: "Olivia Owner", email, password });
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.expectOk("POST", "/api/session", { email, password });
  }

  /** Invite a user with `role` (as this signed-in Owner) and return a new client signed in as them. */
  async invite(role: "agent" | "manager", email: string, name = "Alex Agent", password = "agent password 1234"): Promise<ChorusClient> {
    const created = await this.expectOk<{ token: string }>("POST", "/api/invitations", { email, role });
    const other = new ChorusClient(this.baseUrl);
    await other.expectOk("POST", "/api/invitations/accept", { token: created.token, name, password });
    // Sign in through POST /api/session too: the path every agent takes every day.
    await other.signIn(email, password);
    return other;
  }

  /** Every thread id in the list, following cursors (bounded). */
  async allConversations(maxPages = 200): Promise<Array<{ id: string; contact: { waId: string | null; name: string | null }; lastMessageAt: number | null; unreadCount: number; version: number; lastMessagePreview: string | null }>> {
    const out = [];
    let cursor: string | null = null;
    for (let page = 0; page < maxPages; page++) {
      const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : "?limit=100";
      const res: { conversations: any[]; nextCursor: string | null } = await this.expectOk("GET", `/api/conversations${query}`);
      out.push(...res.conversations);
      cursor = res.nextCursor;
      if (!cursor) return out;
    }
    throw new Error("conversation list did not end within the page bound");
  }

  /** Every message of a thread, newest first as the API pages them (bounded). */
  async allMessages(conversationId: string, maxPages = 200): Promise<any[]> {
    const out = [];
    let cursor: string | null = null;
    for (let page = 0; page < maxPages; page++) {
      const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : "?limit=100";
      const res: { messages: any[]; nextCursor: string | null } = await this.expectOk("GET", `/api/conversations/${conversationId}/messages${query}`);
      out.push(...res.messages);
      cursor = res.nextCursor;
      if (!cursor) return out;
    }
    throw new Error("message list did not end within the page bound");
  }

  /**
   * The live socket, signed in with this client's cookie. Node's WebSocket (undici) accepts
   * headers; the Origin must be our own (the route refuses cross-site handshakes).
   */
  async openEvents(onEvent: (event: any, receivedAt: number) => void): Promise<WebSocket> {
    const url = `${this.baseUrl.replace(/^http/, "ws")}/api/events`;
    const Ctor = WebSocket as unknown as new (url: string, options: unknown) => WebSocket;
    const ws = new Ctor(url, { headers: { Cookie: this.cookie, Origin: this.baseUrl } });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("event socket did not open within 15 s")), 15_000);
      ws.addEventListener("message", (msg) => {
        const at = performance.now();
        let event: any;
        try {
          event = JSON.parse(String(msg.data));
        } catch {
          return;
        }
        if (event.type === "hello") {
          clearTimeout(timer);
          resolve();
        }
        onEvent(event, at);
      });
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error("event socket failed"));
      });
    });
    return ws;
  }
}
