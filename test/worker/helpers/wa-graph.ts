/**
 * Meta's Graph API for the issue-5 tests (MSW inside workerd, like helpers/fake-graph.ts): sends,
 * media lookups and downloads, media uploads, template lists with paging, and "mark as read". Each
 * call is recorded; lookups can be told to fail (`failLookups(n)`), sends can be scripted.
 */
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

export const GRAPH_API_URL = "https://graph.test/v24.0";
export const MEDIA_HOST = "https://lookaside.test";

export interface WaGraphCall {
  /** When the call reached Meta (epoch ms). */
  at: number;
  method: string;
  path: string;
  authorization: string | null;
  body: Record<string, unknown> | null;
  form?: Record<string, string | { name: string; type: string; size: number }>;
}

export interface MediaFile {
  bytes: Uint8Array;
  mimeType: string;
}

export interface WaGraph {
  calls: WaGraphCall[];
  /** Files Meta holds, by media id. */
  media: Map<string, MediaFile>;
  /** The next `n` media lookups answer 500 (then 404 if `status` says so). */
  failLookups(n: number, status?: number): void;
  /** Template pages served for GET /{waba}/message_templates, in order. */
  templatePages: Array<Array<Record<string, unknown>>>;
  /** Answers for the next POST /{waba}/message_templates (issue 5): Meta's error body with its status; after them, PENDING. */
  templateAnswers: Array<{ status: number; body: Record<string, unknown> }>;
  /** Files uploaded through the Resumable Upload API, by handle. */
  uploads: Map<string, { bytes: Uint8Array; type: string }>;
  /** Answers for the next sends: a Meta error code with its HTTP status. */
  answerNext(...answers: Array<{ status: number; code: number; title?: string }>): void;
  sends(): WaGraphCall[];
}

let counter = 0;

export function useWaGraph(): WaGraph {
  const calls: WaGraphCall[] = [];
  const media = new Map<string, MediaFile>();
  const templatePages: Array<Array<Record<string, unknown>>> = [];
  const script: Array<{ status: number; code: number; title?: string }> = [];
  const templateAnswers: Array<{ status: number; body: Record<string, unknown> }> = [];
  const uploads = new Map<string, { bytes: Uint8Array; type: string }>();
  const sessions = new Map<string, string>();
  let failing = 0;
  let failStatus = 500;

  const record = (request: { url: string; method: string; headers: { get(name: string): string | null } }, body: Record<string, unknown> | null, form?: WaGraphCall["form"]) => {
    const url = new URL(request.url);
    calls.push({ at: Date.now(), method: request.method, path: url.pathname + url.search, authorization: request.headers.get("Authorization"), body, ...(form ? { form } : {}) });
  };

  const server = setupServer(
    http.post(`${GRAPH_API_URL}/:phoneNumberId/messages`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      record(request, body);
      if (body.status === "read") return HttpResponse.json({ success: true });
      const answer = script.shift();
      if (answer) {
        return HttpResponse.json(
          { error: { message: answer.title ?? `(#${answer.code}) Error`, type: "OAuthException", code: answer.code, fbtrace_id: "Afake" } },
          { status: answer.status },
        );
      }
      return HttpResponse.json({
        messaging_product: "whatsapp",
        contacts: [{ input: body.to ?? body.recipient, wa_id: body.to }],
        messages: [{ id: `wamid.WA${++counter}${Date.now()}` }],
      });
    }),
    http.post(`${GRAPH_API_URL}/:phoneNumberId/media`, async ({ request }) => {
      const form = await request.formData();
      const entries: NonNullable<WaGraphCall["form"]> = {};
      for (const [key, value] of form.entries()) {
        entries[key] = typeof value === "string" ? value : { name: value.name, type: value.type, size: value.size };
      }
      record(request, null, entries);
      const file = form.get("file");
      const id = `${9000000000000000 + ++counter}`;
      if (file && typeof file !== "string") media.set(id, { bytes: new Uint8Array(await file.arrayBuffer()), mimeType: file.type });
      return HttpResponse.json({ id });
    }),
    http.get(`${GRAPH_API_URL}/:wabaId/message_templates`, ({ request }) => {
      record(request, null);
      const url = new URL(request.url);
      const after = url.searchParams.get("after");
      const index = after ? Number(after.replace("cursor-", "")) : 0;
      const page = templatePages[index] ?? [];
      const more = index + 1 < templatePages.length;
      return HttpResponse.json({
        data: page,
        paging: { cursors: { before: `cursor-${index}`, after: `cursor-${index + 1}` }, ...(more ? { next: `${GRAPH_API_URL}/x?after=cursor-${index + 1}` } : {}) },
      });
    }),
    // Issue 5: creating templates, and the Resumable Upload API for their header examples.
    http.post(`${GRAPH_API_URL}/:wabaId/message_templates`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      record(request, body);
      const answer = templateAnswers.shift();
      if (answer) return HttpResponse.json(answer.body, { status: answer.status });
      return HttpResponse.json({ id: `${7000000000000000 + ++counter}`, status: "PENDING", category: body.category });
    }),
    http.post(`${GRAPH_API_URL}/:appId/uploads`, ({ request }) => {
      record(request, null);
      const id = `upload:session${++counter}`;
      sessions.set(id, new URL(request.url).searchParams.get("file_type") ?? "");
      return HttpResponse.json({ id });
    }),
    http.post(/\/upload:[^/]+$/, async ({ request }) => {
      const bytes = new Uint8Array(await request.arrayBuffer());
      record(request, null);
      const id = decodeURIComponent(new URL(request.url).pathname.split("/").pop()!);
      const type = sessions.get(id);
      if (type === undefined) return HttpResponse.json({ error: { message: "(#100) Invalid upload session", code: 100 } }, { status: 400 });
      const handle = `4::${btoa(type)}:h${++counter}`;
      uploads.set(handle, { bytes, type });
      return HttpResponse.json({ h: handle });
    }),
    http.get(`${GRAPH_API_URL}/:mediaId`, ({ request, params }) => {
      record(request, null);
      if (failing > 0) {
        failing--;
        return HttpResponse.json({ error: { message: "An unknown error occurred", code: 1, fbtrace_id: "Afake" } }, { status: failStatus });
      }
      const file = media.get(String(params.mediaId));
      if (!file) {
        return HttpResponse.json({ error: { message: "(#100) Invalid parameter", code: 100, fbtrace_id: "Afake" } }, { status: 400 });
      }
      return HttpResponse.json({
        messaging_product: "whatsapp",
        url: `${MEDIA_HOST}/whatsapp_business/attachments/?mid=${params.mediaId}&ext=1`,
        mime_type: file.mimeType,
        sha256: "fake",
        file_size: file.bytes.byteLength,
        id: params.mediaId,
      });
    }),
    http.get(`${MEDIA_HOST}/whatsapp_business/attachments/`, ({ request }) => {
      record(request, null);
      if (request.headers.get("Authorization") === null) return new HttpResponse(null, { status: 401 });
      const id = new URL(request.url).searchParams.get("mid") ?? "";
      const file = media.get(id);
      if (!file) return new HttpResponse(null, { status: 404 });
      return new HttpResponse(file.bytes, { headers: { "Content-Type": file.mimeType, "Content-Length": String(file.bytes.byteLength) } });
    }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: "bypass" }));
  afterEach(() => {
    calls.length = 0;
    script.length = 0;
    templatePages.length = 0;
    templateAnswers.length = 0;
    uploads.clear();
    sessions.clear();
    failing = 0;
  });
  afterAll(() => server.close());
  return {
    calls,
    media,
    templatePages,
    templateAnswers,
    uploads,
    failLookups: (n, status = 500) => {
      failing = n;
      failStatus = status;
    },
    answerNext: (...answers) => void script.push(...answers),
    sends: () => calls.filter((c) => c.method === "POST" && c.path.endsWith("/messages")),
  };
}

/** A tiny valid PNG (1×1, red). */
export const PNG_BYTES = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
  0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
]);
