/**
 * The inbox while it is on screen: the list, the open thread and the live connection, wired
 * together. Live events go to the list and, when it is the open one, to the thread; every
 * (re)connect refetches because events are not replayed.
 */
import { getContext, setContext } from "svelte";
import type { LiveEvent } from "$contracts/events";
import { api, ApiError, type ConversationSummary, type User } from "./api";
import { ConversationListStore } from "./conversations.svelte";
import { isThreadEvent, LiveConnection } from "./live.svelte";
import { ThreadStore } from "./thread.svelte";

/** How long to wait for a conversation.updated before fetching the summary ourselves. */
const SUMMARY_GRACE_MS = 400;
/** How long the list waits for the socket before loading without it. */
const LIST_FALLBACK_MS = 1_500;

export class Inbox {
  readonly user: User;
  readonly list: ConversationListStore;
  readonly live: LiveConnection;
  thread = $state<ThreadStore | null>(null);

  #onUnauthorized: () => void;
  #opened = false;
  #listFallback: ReturnType<typeof setTimeout> | undefined;
  #pendingSummaries = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(user: User, onUnauthorized: () => void) {
    this.user = user;
    this.#onUnauthorized = onUnauthorized;
    this.list = new ConversationListStore(user.id);
    this.live = new LiveConnection({
      onEvent: (event) => this.#onEvent(event),
      onOpen: () => this.#onOpen(),
      onTrouble: () => void this.#checkSession(),
    });
  }

  /**
   * Opens the socket first and loads the list once it is open, so no event can fall between the
   * list's snapshot and the subscription. If the socket is slow or blocked, the list loads anyway.
   */
  start(): void {
    this.live.start();
    this.#listFallback = setTimeout(() => {
      if (!this.#opened) void this.list.load();
    }, LIST_FALLBACK_MS);
    document.addEventListener("visibilitychange", this.#onVisibility);
  }

  stop(): void {
    clearTimeout(this.#listFallback);
    this.live.stop();
    document.removeEventListener("visibilitychange", this.#onVisibility);
    for (const timer of this.#pendingSummaries.values()) clearTimeout(timer);
    this.#pendingSummaries.clear();
    this.thread?.dispose();
    this.thread = null;
  }

  /** Opens a thread (idempotent for the one already open). */
  open(id: string): ThreadStore {
    if (this.thread?.id === id) return this.thread;
    this.thread?.dispose();
    const thread = new ThreadStore(id, {
      onSummary: (summary) => this.#applySummary(summary),
      onUnauthorized: this.#onUnauthorized,
    });
    this.thread = thread;
    this.list.setOpen(id);
    void thread.load();
    return thread;
  }

  close(id: string): void {
    if (this.thread?.id !== id) return;
    this.thread.dispose();
    this.thread = null;
    this.list.setOpen(null);
  }

  #onEvent(event: LiveEvent): void {
    if (event.type === "hello") {
      // Someone signed in as another person in another tab: this cookie is theirs now. Start over
      // rather than show one person's inbox under another's name.
      if (event.userId !== this.user.id) location.reload();
      return;
    }
    if (!isThreadEvent(event)) return;
    const id = event.conversationId;
    if (this.thread?.id === id) this.thread.handle(event);

    const key = event.type === "conversation.updated" ? event.type : `${event.type}:${event.message.id}`;
    const verdict = this.list.versions.check(id, event.version, key);
    if (verdict === "stale") return;
    if (event.type === "conversation.updated") {
      this.#applySummary(event.conversation);
    } else if (event.type === "message.created") {
      // The summary normally follows in a conversation.updated; fetch it if it doesn't.
      this.#expectSummary(id, event.version);
    }
    if (verdict === "gap") void this.#fetchSummary(id);
  }

  #applySummary(summary: ConversationSummary): void {
    this.list.versions.snapshot(summary.id, summary.version);
    this.list.apply(summary);
  }

  #expectSummary(id: string, version: number): void {
    if (this.#pendingSummaries.has(id)) return;
    const timer = setTimeout(() => {
      this.#pendingSummaries.delete(id);
      const known = this.list.versionOf(id);
      if (known === undefined || known < version) void this.#fetchSummary(id);
    }, SUMMARY_GRACE_MS);
    this.#pendingSummaries.set(id, timer);
  }

  async #fetchSummary(id: string): Promise<void> {
    try {
      this.#applySummary(await api.conversation(id));
    } catch (error) {
      if (ApiError.is(error) && error.status === 401) this.#onUnauthorized();
      // Otherwise the next event or resync brings it.
    }
  }

  /** Every (re)connect: events sent while we were not subscribed are not replayed, so refetch. */
  #onOpen(): void {
    this.#opened = true;
    clearTimeout(this.#listFallback);
    void this.list.load();
    void this.thread?.refresh();
  }

  async #checkSession(): Promise<void> {
    try {
      await api.session();
    } catch (error) {
      if (ApiError.is(error) && error.status === 401) this.#onUnauthorized();
    }
  }

  #onVisibility = (): void => {
    if (document.visibilityState === "visible") void this.thread?.markRead();
  };
}

const INBOX = Symbol("inbox");

export function setInbox(inbox: Inbox): Inbox {
  return setContext(INBOX, inbox);
}

export function getInbox(): Inbox {
  const inbox = getContext<Inbox | undefined>(INBOX);
  if (!inbox) throw new Error("getInbox() outside the inbox layout");
  return inbox;
}
