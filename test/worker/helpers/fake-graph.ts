/**
 * The only fake in the worker tests: Meta's Graph API at https://graph.test/v24.0 (the
 * GRAPH_API_URL of vitest.config.ts), served by MSW inside workerd. It records every send and
 * answers like Meta: a wamid, or — when told — 429, 5xx, a Meta error code, or a network error.
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

export const GRAPH_API_URL = "https://graph.test/v24.0";

export interface GraphCall {
  phoneNumberId: string;
  authorization: string | null;
  body: Record<string, unknown> & {
    to?: string;
    recipient?: string;
    type?: string;
    text?: { body: string };
    template?: { name: string; language: { code: string }; components?: unknown[] };
    biz_opaque_callback_data?: string;
  };
}

export type GraphAnswer =
  | { kind: "ok"; wamid?: string }
  /** An HTTP error with Meta's error body (code omitted: a bare status, like a proxy's 502). */
  | { kind: "error"; status: number; code?: number; title?: string; details?: string }
  | { kind: "network" }
  /** Never answer until `release()` is called (to crash the caller mid-call). */
  | { kind: "hold" };

export interface FakeGraph {
  calls: GraphCall[];
  /** Answers for the next calls, in order; after they run out every call succeeds. */
  answerNext(...answers: GraphAnswer[]): void;
  /** Resolves once a call is being held (`{ kind: "hold" }`). */
  held(): Promise<void>;
  /** Let held calls go on (they then fail as a network error). */
  release(): void;
}

let counter = 0;

/** Install the fake for the current test file (listen before all, reset after each). */
export function useFakeGraph(): FakeGraph {
  const calls: GraphCall[] = [];
  const script: GraphAnswer[] = [];
  // Holding is done by polling flags, not by sharing promises: a promise resolved from another
  // Durable Object's context would run its continuation in that context, which workerd forbids.
  let holding = 0;
  let released = false;
  const server = setupServer(
    http.post(`${GRAPH_API_URL}/:phoneNumberId/messages`, async ({ request, params }) => {
      const body = (await request.json()) as GraphCall["body"];
      calls.push({ phoneNumberId: String(params.phoneNumberId), authorization: request.headers.get("Authorization"), body });
      const answer = script.shift() ?? { kind: "ok" };
      if (answer.kind === "network") return HttpResponse.error();
      if (answer.kind === "hold") {
        holding++;
        while (!released) await new Promise((resolve) => setTimeout(resolve, 5));
        holding--;
        return HttpResponse.error();
      }
      if (answer.kind === "error") {
        return HttpResponse.json(
          answer.code === undefined
            ? { error: { message: answer.title ?? "Service unavailable" } }
            : {
                error: {
                  message: answer.title ?? `(#${answer.code}) Error`,
                  type: "OAuthException",
                  code: answer.code,
                  error_data: { messaging_product: "whatsapp", details: answer.details ?? "" },
                  fbtrace_id: "Afake",
                },
              },
          { status: answer.status },
        );
      }
      const wamid = answer.wamid ?? `wamid.FAKE${++counter}${Date.now()}`;
      return HttpResponse.json({
        messaging_product: "whatsapp",
        contacts: [{ input: body.to ?? body.recipient, ...(body.to ? { wa_id: body.to } : { user_id: body.recipient }) }],
        messages: [{ id: wamid }],
      });
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    calls.length = 0;
    script.length = 0;
    released = false;
  });
  afterAll(() => server.close());
  return {
    calls,
    answerNext: (...answers) => void script.push(...answers),
    held: async () => {
      while (holding === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    release: () => {
      released = true;
    },
  };
}
