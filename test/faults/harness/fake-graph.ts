/**
 * The one fake in the fault suite: Meta's Graph API as a small node:http server on 127.0.0.1
 * that Chorus (under wrangler dev) reaches through GRAPH_API_URL. It records every call and
 * answers the way Meta can: accepted (a wamid), 429, 500, a connection reset before or after
 * accepting (the caller cannot tell which), or a call that hangs past the caller's timeout.
 *
 * "Accepted" is what matters for the invariants: a message Meta accepted is delivered to the
 * customer, so each outbound message must be accepted at most once — and exactly once if Chorus
 * accepted it from the agent. After accepting, a listener (the test, playing Meta) sends the
 * status webhooks, like Meta does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { newWamid } from "./meta";

export type GraphAction =
  | "accept"
  | "429"
  | "500"
  /** Reset the connection before accepting: nothing reached the customer. */
  | "reset"
  /** Accept (the customer gets it), then reset: the answer is lost, Chorus cannot know. */
  | "accept-then-reset"
  /** Never answer (until the caller gives up, or `releaseHeld()`); nothing is accepted. */
  | "hang";

export interface GraphCall {
  seq: number;
  at: number;
  phoneNumberId: string;
  body: any;
  /** From biz_opaque_callback_data "<conversationId>:<messageId>". */
  conversationId: string | null;
  messageId: string | null;
  action: GraphAction;
  /** Set when the call was accepted (the customer received the message). */
  wamid: string | null;
  /** The connection closed before we answered (the caller timed out or died). */
  abandoned: boolean;
}

export interface FakeGraph {
  url: string;
  calls: GraphCall[];
  /** Decide each call's fate; `attempt` counts calls for the same message id (1 = first). */
  policy: (call: { seq: number; messageId: string | null; attempt: number }) => GraphAction;
  /** Called after a call was accepted (the test sends Meta's status webhooks from here). */
  onAccepted: (call: GraphCall) => void;
  /** Number of calls being held right now. */
  held(): number;
  /** Let every held call go (they end as a reset, never accepted). */
  releaseHeld(): void;
  accepted(): GraphCall[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeGraph(): Promise<FakeGraph> {
  const calls: GraphCall[] = [];
  const attempts = new Map<string, number>();
  const holding = new Set<ServerResponse>();
  let seq = 0;

  const fake: FakeGraph = {
    url: "",
    calls,
    policy: () => "accept",
    onAccepted: () => {},
    held: () => holding.size,
    releaseHeld() {
      for (const res of holding) res.socket?.destroy();
      holding.clear();
    },
    accepted: () => calls.filter((c) => c.wamid !== null),
    close: () =>
      new Promise<void>((resolve) => {
        fake.releaseHeld();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer(async (req, res) => {
    const match = /^\/v\d+\.\d+\/([^/]+)\/messages$/.exec(req.url ?? "");
    if (req.method !== "POST" || !match) {
      json(res, 404, { error: { message: "Unknown path", code: 100 } });
      return;
    }
    const text = await readBody(req);
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      json(res, 400, { error: { message: "Invalid JSON", code: 100 } });
      return;
    }
    const [conversationId, messageId] = String(body?.biz_opaque_callback_data ?? "").split(":");
    const key = messageId ?? `unknown-${seq}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const call: GraphCall = {
      seq: ++seq,
      at: Date.now(),
      phoneNumberId: decodeURIComponent(match[1]!),
      body,
      conversationId: conversationId || null,
      messageId: messageId || null,
      action: "accept",
      wamid: null,
      abandoned: false,
    };
    call.action = fake.policy({ seq: call.seq, messageId: call.messageId, attempt });
    calls.push(call);
    res.on("close", () => {
      if (!res.writableEnded) call.abandoned = true;
      holding.delete(res);
    });

    switch (call.action) {
      case "accept":
      case "accept-then-reset": {
        call.wamid = newWamid("OUT");
        const answer = {
          messaging_product: "whatsapp",
          contacts: [{ input: body.to ?? body.recipient, wa_id: body.to ?? body.recipient }],
          messages: [{ id: call.wamid }],
        };
        if (call.action === "accept") json(res, 200, answer);
        else res.socket?.destroy();
        fake.onAccepted(call);
        return;
      }
      case "429":
        json(res, 429, { error: { message: "(#130429) Rate limit hit", type: "OAuthException", code: 130429, fbtrace_id: "Afake" } });
        return;
      case "500":
        json(res, 500, { error: { message: "An unknown error occurred", type: "OAuthException", code: 1, fbtrace_id: "Afake" } });
        return;
      case "reset":
        res.socket?.destroy();
        return;
      case "hang":
        holding.add(res);
        return;
    }
  });
  // Keep-alive sockets from workerd must not keep the test process alive.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v24.0`;
  return fake;
}
