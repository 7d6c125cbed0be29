/**
 * One open thread: its detail, its items (messages, internal notes and activity, oldest first,
 * paged backwards), and what this browser is sending. Sends are optimistic: a pending message
 * shows at once and is replaced by the server's; a failed one keeps its Idempotency-Key so
 * "retry" can never send it twice. Assignment, claim and status go through here too, so the
 * thread and the list show the server's answer at once.
 */
import {
  api,
  ApiError,
  isAbort,
  newIdempotencyKey,
  toApiError,
  type ConversationDetail,
  type ConversationSummary,
  type Message,
  type MessageStatus,
  type AssignmentBody,
  type SendMessageBody,
  type StatusBody,
  type MediaUploadFields,
  uploadMedia,
} from "./api";
import type { ThreadEvent } from "./live.svelte";
import { VersionTracker } from "./versions";

/** Status order: a status never moves backwards; failed is final. */
const STATUS_RANK: Record<MessageStatus, number> = {
  received: 0,
  queued: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
  failed: 6,
};

/** Merges what we hold with what arrived, keeping the furthest status (events can overtake). */
export function mergeMessage(current: Message | undefined, incoming: Message): Message {
  if (!current) return incoming;
  if (current.status === "failed") return { ...incoming, status: "failed", error: current.error ?? incoming.error };
  if (STATUS_RANK[incoming.status] < STATUS_RANK[current.status]) {
    return { ...incoming, status: current.status, error: current.error };
  }
  return incoming;
}

/** Display order: Meta's timestamp, then arrival order inside the thread. */
export function byTimestamp(a: Message, b: Message): number {
  return a.timestamp - b.timestamp || a.seq - b.seq;
}

const MARK_READ_DEBOUNCE_MS = 150;

/** Older pages are fetched this many at a time (the server allows up to 100). */
const OLDER_PAGE = 100;

/** A file on its way: POST /api/conversations/:id/media with these fields. */
export interface PendingUpload {
  file: Blob;
  filename: string;
  fields: MediaUploadFields;
}

export class PendingSend {
  readonly key = newIdempotencyKey();
  readonly createdAt = Date.now();
  state = $state<"sending" | "failed">("sending");
  error = $state<ApiError | null>(null);
  readonly body: SendMessageBody;
  /** What to show while it is on its way. */
  readonly preview: string;
  /** A reply goes to the customer; a note stays inside the team. */
  readonly kind: "reply" | "note";
  /** A file to upload and send (issue 5); null for JSON sends. */
  readonly upload: PendingUpload | null;
  /** How much of the file has gone up (0 to 1). */
  progress = $state(0);

  constructor(body: SendMessageBody, preview: string, kind: "reply" | "note" = "reply", upload: PendingUpload | null = null) {
    this.body = body;
    this.preview = preview;
    this.kind = kind;
    this.upload = upload;
  }
}

/**
 * What an activity item says about who holds the thread now (null: it says nothing about it).
 * The thread's own history is news too: the live socket may carry the item to someone who no
 * longer gets the summary (an agent who just lost the thread), so both the thread and the list
 * apply it.
 */
export function holderFromActivity(
  message: Pick<Message, "type" | "activity">,
): Pick<ConversationSummary, "assigneeId" | "assigneeName"> & Partial<Pick<ConversationSummary, "teamId" | "teamName">> | null {
  const a = message.activity;
  if (message.type !== "activity" || !a) return null;
  const team = a.team === undefined ? {} : { teamId: a.team?.id ?? null, teamName: a.team?.name ?? null };
  switch (a.kind) {
    case "assigned":
    case "auto_assigned":
    case "taken_over":
      return { assigneeId: a.assignee?.id ?? null, assigneeName: a.assignee?.name ?? null, ...team };
    case "unassigned":
      return { assigneeId: null, assigneeName: null, ...team };
    default:
      return null;
  }
}

/** The lock holder is the assignee (the Conversation DO decides both): derive it from a summary. */
export function lockHolderOf(summary: Pick<ConversationSummary, "assigneeId" | "assigneeName">): { id: string; name: string } | null {
  return summary.assigneeId ? { id: summary.assigneeId, name: summary.assigneeName ?? "" } : null;
}

export interface ThreadHooks {
  /** A fresh summary of this conversation, for the list. */
  onSummary(summary: ConversationSummary): void;
  onUnauthorized(): void;
}

export class ThreadStore {
  readonly id: string;
  detail = $state<ConversationDetail | null>(null);
  // Raw: always replaced whole (merge + sort), never mutated in place.
  messages = $state.raw<Message[]>([]);
  pending = $state<PendingSend[]>([]);
  olderCursor = $state<string | null>(null);
  loading = $state(true);
  loadingOlder = $state(false);
  error = $state<ApiError | null>(null);
  /** We had the thread, and the server now says we may not see it (it went to someone else). */
  gone = $state(false);
  /** An assignment, claim or status change is on its way. */
  busy = $state(false);
  /** The last assignment or status change that failed (shown near the header). */
  actionError = $state<ApiError | null>(null);
  /**
   * The customer message the next reply quotes (WhatsApp's context.message_id), or null. The
   * bubble's "Reply" action sets it (`thread.replyTo = message`); the composer shows it above the
   * box and the next text or media send carries `replyTo: id` and clears it.
   */
  replyTo = $state<Message | null>(null);

  readonly versions = new VersionTracker();
  #hooks: ThreadHooks;
  #abort = new AbortController();
  #refreshing: Promise<void> | null = null;
  #markReadCall: Promise<void> | null = null;
  #disposed = false;

  constructor(id: string, hooks: ThreadHooks) {
    this.id = id;
    this.#hooks = hooks;
  }

  /** Customer-visible name etc. come from the detail; null until loaded. */
  get windowEndsAt(): number | null {
    return this.detail?.windowEndsAt ?? null;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      await this.#fetchLatest(true);
    } catch (error) {
      if (isAbort(error)) return;
      this.#fail(error);
    } finally {
      this.loading = false;
    }
  }

  /**
   * Refetches the detail and the newest page, merging into what we hold (after a gap in versions or
   * a reconnect). Concurrent calls share one request.
   */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#fetchLatest(false)
      .catch((error) => {
        if (!isAbort(error)) this.#fail(error);
      })
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }

  async #fetchLatest(initial: boolean): Promise<void> {
    // The detail first: its version is the snapshot, and the messages fetched after it are at
    // least that new, so events up to that version are already included.
    const detail = await api.conversation(this.id, this.#abort.signal);
    const page = await api.messages(this.id, null, this.#abort.signal);
    if (this.#disposed) return;
    this.versions.snapshot(this.id, detail.version);
    this.#setDetail(detail);
    this.#hooks.onSummary(detail);
    this.#merge(page.messages);
    if (initial || this.olderCursor === null) this.olderCursor = page.nextCursor;
    this.error = null;
    this.gone = false;
  }

  async loadOlder(): Promise<void> {
    if (!this.olderCursor || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      const page = await api.messages(this.id, this.olderCursor, this.#abort.signal, OLDER_PAGE);
      if (this.#disposed) return;
      this.#merge(page.messages);
      this.olderCursor = page.nextCursor;
    } catch (error) {
      if (!isAbort(error)) this.#fail(error);
    } finally {
      this.loadingOlder = false;
    }
  }

  /**
   * Tells the server this thread has been read — only while it is on screen. Calls close together
   * collapse into one: a new inbound message brings both message.created and conversation.updated.
   */
  markRead(): Promise<void> {
    this.#markReadCall ??= new Promise<void>((resolve) => setTimeout(resolve, MARK_READ_DEBOUNCE_MS))
      .then(() => {
        this.#markReadCall = null;
        return this.#markReadNow();
      });
    return this.#markReadCall;
  }

  async #markReadNow(): Promise<void> {
    if (this.#disposed || document.visibilityState !== "visible") return;
    try {
      const detail = await api.markRead(this.id);
      // Not a snapshot for this thread's tracker: message events older than this answer may still
      // be on their way. The detail itself is version-guarded.
      if (!this.#disposed) {
        this.#setDetail(detail, { fromRead: true });
        this.#hooks.onSummary(detail);
      }
    } catch (error) {
      // Unread counts are cosmetic; a failure here must not disturb the thread.
      if (ApiError.is(error) && error.status === 401) this.#hooks.onUnauthorized();
    }
  }

  /** Applies a live event for this conversation (the caller filters by id). */
  handle(event: ThreadEvent): void {
    const key = event.type === "conversation.updated" ? event.type : `${event.type}:${event.message.id}`;
    const verdict = this.versions.check(this.id, event.version, key);
    if (verdict === "stale") return;
    if (event.type === "conversation.updated") {
      this.#setDetail(event.conversation);
    } else {
      this.#merge([event.message]);
      if (event.type === "message.created" && event.message.direction === "in") void this.markRead();
      const holder = holderFromActivity(event.message);
      if (holder && this.detail && event.version >= this.detail.version) {
        this.detail = { ...this.detail, ...holder, lockHolder: lockHolderOf(holder) };
      }
    }
    // Out of sight a moment ago: a change (e.g. assigned back to us) may have returned it.
    if (verdict === "gap" || (this.gone && event.type === "conversation.updated")) void this.refresh();
  }

  send(body: SendMessageBody, preview: string): Promise<void> {
    return this.#queue(new PendingSend(body, preview));
  }

  /**
   * Sends a file (image, video, audio, document, sticker, or a recorded voice note). Shown at once
   * with `preview`; a retry reuses the Idempotency-Key, so the file is uploaded and sent once.
   */
  sendMedia(upload: PendingUpload, preview: string): Promise<void> {
    return this.#queue(new PendingSend({ text: preview }, preview, "reply", upload));
  }

  /** The wamid the next reply quotes (then forgotten): the composer adds it to what it sends. */
  takeReplyTo(): string | undefined {
    const wamid = this.replyTo?.wamid ?? undefined;
    this.replyTo = null;
    return wamid;
  }

  /** An internal note: shown to the team at once, never sent to the customer. */
  note(text: string): Promise<void> {
    return this.#queue(new PendingSend({ text }, text, "note"));
  }

  #queue(pending: PendingSend): Promise<void> {
    this.pending.push(pending);
    return this.#attempt(this.pending[this.pending.length - 1]!);
  }

  retry(pending: PendingSend): Promise<void> {
    return this.#attempt(pending);
  }

  discard(pending: PendingSend): void {
    this.pending = this.pending.filter((p) => p.key !== pending.key);
  }

  async #attempt(pending: PendingSend): Promise<void> {
    pending.state = "sending";
    pending.error = null;
    try {
      // The same key on every attempt: the server sends a retried message at most once.
      const upload = pending.upload;
      const message =
        pending.kind === "note"
          ? (await api.addNote(this.id, pending.preview)).note
          : upload
            ? (await uploadMedia(this.id, upload.file, upload.filename, upload.fields, pending.key, (f) => (pending.progress = f))).message
            : (await api.send(this.id, pending.body, pending.key)).message;
      this.pending = this.pending.filter((p) => p.key !== pending.key);
      this.#merge([message]);
    } catch (error) {
      pending.state = "failed";
      pending.error = toApiError(error);
      if (pending.error.status === 401) this.#hooks.onUnauthorized();
      // The lock changed under us: the answer names who holds it now; show that at once.
      if (pending.error.code === "locked") this.#heldBy(pending.error.details.holder);
      // The window or the lock changed under us: show the truth (template picker, holder's name).
      if (pending.error.code === "window_closed" || pending.error.code === "locked") void this.refresh();
    }
  }

  /** Assign (Owner/Manager: anyone; Agent: themselves or nobody), or move to a team. */
  assign(body: AssignmentBody): Promise<boolean> {
    return this.#act(() => api.assign(this.id, body));
  }

  /** Take the thread (a Manager or Owner takes it over from its holder). */
  claim(): Promise<boolean> {
    return this.#act(() => api.claim(this.id));
  }

  setStatus(body: StatusBody): Promise<boolean> {
    return this.#act(() => api.setStatus(this.id, body));
  }

  async #act(call: () => Promise<{ conversation: ConversationSummary }>): Promise<boolean> {
    this.busy = true;
    this.actionError = null;
    try {
      const { conversation } = await call();
      this.#setDetail(conversation);
      this.#hooks.onSummary(conversation);
      return true;
    } catch (error) {
      const apiError = toApiError(error);
      this.actionError = apiError;
      if (apiError.status === 401) this.#hooks.onUnauthorized();
      if (apiError.code === "locked") this.#heldBy(apiError.details.holder);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** A 409 named the holder: believe it until the next snapshot says otherwise. */
  #heldBy(holder: unknown): void {
    const h = holder as { id?: unknown; name?: unknown } | undefined;
    if (!this.detail || typeof h?.id !== "string") return;
    const name = typeof h.name === "string" ? h.name : "";
    this.detail = { ...this.detail, assigneeId: h.id, assigneeName: name, lockHolder: { id: h.id, name } };
  }

  dispose(): void {
    this.#disposed = true;
    this.#abort.abort();
  }

  #setDetail(next: ConversationSummary | ConversationDetail, options: { fromRead?: boolean } = {}): void {
    const current = this.detail;
    if (current && next.version < current.version) return;
    // A summary (from a live event) lacks the channel: keep ours. The lock holder is the assignee.
    const merged = current ? { ...current, ...next } : "channel" in next ? next : null;
    this.detail = merged ? { ...merged, lockHolder: lockHolderOf(merged) } : null;
    // Whatever brought news of unread messages (an event, a refetch after reconnecting), the
    // person is looking at this thread: they are read.
    // (Never in answer to marking read itself, so a server that keeps a count can't loop us.)
    if (next.unreadCount > 0 && !options.fromRead) void this.markRead();
  }

  #merge(incoming: Message[]): void {
    if (incoming.length === 0) return;
    const byId = new Map(this.messages.map((m) => [m.id, m]));
    for (const message of incoming) {
      if (message.conversationId !== this.id) continue;
      byId.set(message.id, mergeMessage(byId.get(message.id), message));
    }
    this.messages = [...byId.values()].sort(byTimestamp);
  }

  #fail(error: unknown): void {
    const apiError = toApiError(error);
    if (apiError.status === 401) this.#hooks.onUnauthorized();
    // Assigned to someone else, an Agent may no longer see the thread: keep what we have on screen
    // and say so, rather than replace it with "not found".
    if (apiError.status === 404 && this.detail) {
      this.gone = true;
      return;
    }
    this.error = apiError;
  }
}
