/**
 * The browser's only door to /api/*: JSON in and out, same-origin cookies, typed results, and one
 * error type. Types are inferred from the shared valibot contract (worker/contracts/api.ts).
 */
import type * as v from "valibot";
import type * as C from "$contracts/api";
import type * as K from "$contracts/collaboration";

export type User = v.InferOutput<typeof C.User>;
export type ContactRef = v.InferOutput<typeof C.ContactRef>;
export type ConversationSummary = v.InferOutput<typeof C.ConversationSummary>;
export type ConversationDetail = v.InferOutput<typeof C.ConversationDetail>;
export type ConversationList = v.InferOutput<typeof C.ConversationList>;
export type Message = v.InferOutput<typeof C.Message>;
export type MessageStatus = v.InferOutput<typeof C.MessageStatus>;
export type MessageList = v.InferOutput<typeof C.MessageList>;
export type SendMessageBody = v.InferInput<typeof C.SendMessageBody>;
export type Template = v.InferOutput<typeof C.Template>;
export type SetupBody = v.InferInput<typeof C.SetupBody>;
export type SignInBody = v.InferInput<typeof C.SignInBody>;
export type ConversationStatus = v.InferOutput<typeof C.ConversationStatus>;
export type ConversationView = v.InferOutput<typeof C.ConversationView>;
export type ConversationCounts = v.InferOutput<typeof C.ConversationCounts>;
export type Activity = v.InferOutput<typeof C.Activity>;
export type AssignmentBody = v.InferInput<typeof C.AssignmentBody>;
export type StatusBody = v.InferInput<typeof C.StatusBody>;
export type BulkAssignmentResponse = v.InferOutput<typeof C.BulkAssignmentResponse>;
export type Label = v.InferOutput<typeof K.Label>;
export type QuickReply = v.InferOutput<typeof K.QuickReply>;
export type Notification = v.InferOutput<typeof K.Notification>;
export type NotificationList = v.InferOutput<typeof K.NotificationList>;
export type SavedView = v.InferOutput<typeof K.SavedView>;
export type ViewFilters = v.InferOutput<typeof K.ViewFilters>;
export type SearchHit = v.InferOutput<typeof K.SearchHit>;
export type SearchResponse = v.InferOutput<typeof K.SearchResponse>;
export type SearchSnippet = v.InferOutput<typeof K.SearchSnippet>;
/** A person as the pickers show them (GET /api/users is Owner/Manager only: see directory.svelte.ts). */
export interface Person {
  id: string;
  name: string;
  role?: User["role"];
  active?: boolean;
  teams?: { id: string; name: string }[];
}
export interface TeamRef {
  id: string;
  name: string;
  members?: { id: string; name: string }[];
}
type ErrorBody = v.InferOutput<typeof C.ErrorBody>;

/** A failed API call. `code` is the server's snake_case code, or "network" when nothing answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra fields the server put beside code and message, e.g. `holder` for 409 locked. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  static is(error: unknown, code?: string): error is ApiError {
    return error instanceof ApiError && (code === undefined || error.code === code);
  }
}

/** Turns anything thrown into an ApiError so the UI has one shape to show. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, "network", error instanceof Error ? error.message : String(error));
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** A code for answers that carry no error body (e.g. a proxy's 502). */
function codeForStatus(status: number): string {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "internal";
  return "invalid_request";
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function request<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, options: RequestOptions = {}): Promise<T> {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  // Writes always declare JSON: the server refuses cross-site writes, and a JSON content type
  // cannot be sent by a plain HTML form from another site.
  if (method !== "GET") headers["Content-Type"] = "application/json";
  const body = method === "POST" || method === "PUT" || method === "PATCH" ? JSON.stringify(options.body ?? {}) : undefined;

  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "same-origin", signal: options.signal });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, "network", error instanceof Error ? error.message : "Network error");
  }

  const text = await response.text().catch(() => "");
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    const error = (data as Partial<ErrorBody> | undefined)?.error as (ErrorBody["error"] & Record<string, unknown>) | undefined;
    const { code, message, ...details } = error ?? {};
    throw new ApiError(
      response.status,
      typeof code === "string" ? code : codeForStatus(response.status),
      typeof message === "string" ? message : response.statusText,
      details,
    );
  }
  return data as T;
}

/** A random id for Idempotency-Key; randomUUID only exists in secure contexts (https, localhost). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The list's filters as the server takes them (worker/contracts/api.ts, ConversationListQuery). */
export interface ConversationQuery {
  view?: ConversationView;
  status?: ConversationStatus;
  assignee?: string;
  team?: string;
  channel?: string;
  label?: string;
  window?: "open" | "closed";
  unread?: "true" | "false";
  q?: string;
  cursor?: string | null;
  limit?: number;
}

const conv = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;

export const api = {
  setupStatus: () => request<{ needsSetup: boolean }>("GET", "/api/setup"),
  setup: (body: SetupBody) => request<{ user: User }>("POST", "/api/setup", { body }),

  session: () => request<{ user: User }>("GET", "/api/session"),
  signIn: (body: SignInBody) => request<{ user: User }>("POST", "/api/session", { body }),
  signOut: () => request<unknown>("DELETE", "/api/session"),

  conversations: (query: ConversationQuery, signal?: AbortSignal) =>
    request<ConversationList>("GET", "/api/conversations", { query: { ...query }, signal }),
  conversation: (id: string, signal?: AbortSignal) =>
    request<ConversationDetail>("GET", `/api/conversations/${encodeURIComponent(id)}`, { signal }),
  messages: (id: string, cursor?: string | null, signal?: AbortSignal, limit?: number) =>
    request<MessageList>("GET", `/api/conversations/${encodeURIComponent(id)}/messages`, {
      query: { cursor, limit },
      signal,
    }),
  send: (id: string, body: SendMessageBody, idempotencyKey: string) =>
    request<{ message: Message }>("POST", `/api/conversations/${encodeURIComponent(id)}/messages`, {
      body,
      headers: { "Idempotency-Key": idempotencyKey },
    }),
  markRead: (id: string) => request<ConversationDetail>("POST", `/api/conversations/${encodeURIComponent(id)}/read`),

  templates: () => request<{ templates: Template[] }>("GET", "/api/templates"),

  // ---- issue 4: assignment, status, notes, counts, collaboration --------------------------------
  counts: (status?: ConversationStatus) => request<ConversationCounts>("GET", "/api/conversations/counts", { query: { status } }),
  assign: (id: string, body: AssignmentBody) =>
    request<{ conversation: ConversationSummary }>("POST", `${conv(id)}/assignment`, { body }),
  claim: (id: string) => request<{ conversation: ConversationSummary }>("POST", `${conv(id)}/claim`),
  bulkAssign: (conversationIds: string[], target: AssignmentBody) =>
    request<BulkAssignmentResponse>("POST", "/api/conversations/bulk-assignment", { body: { conversationIds, ...target } }),
  setStatus: (id: string, body: StatusBody) =>
    request<{ conversation: ConversationSummary }>("POST", `${conv(id)}/status`, { body }),
  addNote: (id: string, text: string) => request<{ note: Message }>("POST", `${conv(id)}/notes`, { body: { text } }),

  labels: () => request<{ labels: Label[] }>("GET", "/api/labels"),
  conversationLabels: (id: string) => request<{ conversationId: string; labels: Label[] }>("GET", `${conv(id)}/labels`),
  setConversationLabels: (id: string, labelIds: string[]) =>
    request<{ conversationId: string; labels: Label[] }>("PUT", `${conv(id)}/labels`, { body: { labelIds } }),

  quickReplies: (q?: string) => request<{ quickReplies: QuickReply[] }>("GET", "/api/quick-replies", { query: { q } }),

  notifications: (query: { cursor?: string | null; unread?: "true" | "false"; limit?: number } = {}) =>
    request<NotificationList>("GET", "/api/notifications", { query }),
  markNotificationsRead: (body: { ids: string[] } | { all: true }) =>
    request<{ unreadCount: number }>("POST", "/api/notifications/read", { body }),

  views: () => request<{ views: SavedView[] }>("GET", "/api/views"),
  createView: (name: string, filters: ViewFilters) => request<{ view: SavedView }>("POST", "/api/views", { body: { name, filters } }),
  deleteView: (id: string) => request<unknown>("DELETE", `/api/views/${encodeURIComponent(id)}`),

  search: (query: Omit<ConversationQuery, "view" | "limit"> & { q: string; limit?: number }, signal?: AbortSignal) =>
    request<SearchResponse>("GET", "/api/search", { query: { ...query }, signal }),

  // Owner and Manager only (403 for an Agent): the people and teams pickers.
  users: () => request<{ users: Person[] }>("GET", "/api/users"),
  teams: () => request<{ teams: TeamRef[] }>("GET", "/api/teams"),

  // Links an Owner or Manager hands out (worker/routes/invitations.ts, password-resets.ts): the
  // token travels in the URL's #fragment, so it never reaches a server log.
  invitation: (token: string) =>
    request<{ email: string; role: User["role"]; expiresAt: number }>("GET", "/api/invitations/lookup", { query: { token } }),
  acceptInvitation: (body: { token: string; name: string; password: string }) =>
    request<{ user: User }>("POST", "/api/invitations/accept", { body }),
  acceptPasswordReset: (body: { token: string; password: string }) =>
    request<{ user: User }>("POST", "/api/password-resets/accept", { body }),
};

// ---- issue 5: sending a file (the composer's attachments and voice notes) -------------------------

/** The text fields of POST /api/conversations/:id/media beside the file (worker/routes/media.ts). */
export interface MediaUploadFields {
  caption?: string;
  kind?: "image" | "video" | "audio" | "document" | "sticker";
  /** The wamid of the customer message this answers. */
  replyTo?: string;
  /** A recorded voice note (Ogg Opus): WhatsApp shows it as a voice message. */
  voice?: boolean;
}

/**
 * Uploads a file and sends it (multipart). XMLHttpRequest rather than fetch: only it reports
 * upload progress, which a 16 MB video needs. Same errors as `request` (ApiError; "network" when
 * nothing answered); the same Idempotency-Key on a retry never sends the file twice.
 */
export function uploadMedia(
  id: string,
  file: Blob,
  filename: string,
  fields: MediaUploadFields,
  idempotencyKey: string,
  onProgress?: (fraction: number) => void,
): Promise<{ message: Message }> {
  const form = new FormData();
  form.append("file", file, filename);
  if (fields.caption) form.append("caption", fields.caption);
  if (fields.kind) form.append("kind", fields.kind);
  if (fields.replyTo) form.append("replyTo", fields.replyTo);
  if (fields.voice) form.append("voice", "true");
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${conv(id)}/media`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Idempotency-Key", idempotencyKey);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "Network error"));
    xhr.ontimeout = () => reject(new ApiError(0, "network", "The upload timed out"));
    xhr.onload = () => {
      let data: unknown;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        data = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as { message: Message });
      const error = (data as Partial<ErrorBody> | undefined)?.error as (ErrorBody["error"] & Record<string, unknown>) | undefined;
      const { code, message, ...details } = error ?? {};
      reject(
        new ApiError(
          xhr.status,
          typeof code === "string" ? code : xhr.status === 413 ? "media_too_large" : codeForStatus(xhr.status),
          typeof message === "string" ? message : xhr.statusText,
          details,
        ),
      );
    };
    xhr.send(form);
  });
}
