/**
 * The conversation list: one page at a time from the server, newest activity first, kept current
 * by live events. Filters and search run on the server; live updates are matched against the
 * filter here so a thread assigned away from "Mine" leaves it at once.
 */
import { api, isAbort, toApiError, type ApiError, type ConversationSummary } from "./api";
import { VersionTracker } from "./versions";

export type ListFilter = "all" | "mine" | "unassigned";
export const LIST_FILTERS: readonly ListFilter[] = ["all", "mine", "unassigned"];

const PAGE_SIZE = 30;

/** Newest activity first; conversations without messages last; id keeps the order stable. */
export function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  const at = a.lastMessageAt ?? -Infinity;
  const bt = b.lastMessageAt ?? -Infinity;
  if (at !== bt) return bt - at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class ConversationListStore {
  items = $state<ConversationSummary[]>([]);
  filter = $state<ListFilter>("all");
  query = $state("");
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<ApiError | null>(null);
  /** Set once the first page has arrived, so "empty" is never shown before we know. */
  loaded = $state(false);

  readonly versions = new VersionTracker();
  #userId: string;
  #abort: AbortController | null = null;
  #openId: string | null = null;

  constructor(userId: string) {
    this.#userId = userId;
  }

  get unreadTotal(): number {
    return this.items.reduce((sum, c) => sum + c.unreadCount, 0);
  }

  #params() {
    const assignee = this.filter === "mine" ? "me" : this.filter === "unassigned" ? "unassigned" : undefined;
    return { assignee, q: this.query.trim() || undefined, limit: PAGE_SIZE };
  }

  /** (Re)loads the first page for the current filter and search; a newer call cancels an older one. */
  async load(): Promise<void> {
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.loading = true;
    this.error = null;
    try {
      const page = await api.conversations(this.#params(), abort.signal);
      this.versions.clear();
      for (const c of page.conversations) this.versions.snapshot(c.id, c.version);
      this.items = page.conversations.map((c) => this.#localView(c)).sort(byActivity);
      this.nextCursor = page.nextCursor;
      this.loaded = true;
    } catch (error) {
      if (isAbort(error)) return;
      this.error = toApiError(error);
    } finally {
      if (this.#abort === abort) {
        this.loading = false;
        this.#abort = null;
      }
    }
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loadingMore || this.loading) return;
    this.loadingMore = true;
    const cursor = this.nextCursor;
    try {
      const page = await api.conversations({ ...this.#params(), cursor });
      for (const c of page.conversations) {
        this.versions.snapshot(c.id, c.version);
        this.#upsert(c, true);
      }
      this.nextCursor = page.nextCursor;
    } catch (error) {
      this.error = toApiError(error);
    } finally {
      this.loadingMore = false;
    }
  }

  setFilter(filter: ListFilter): void {
    if (filter === this.filter) return;
    this.filter = filter;
    void this.load();
  }

  setQuery(query: string): void {
    if (query === this.query) return;
    this.query = query;
    void this.load();
  }

  /** The thread on screen: its unread count shows 0 while it is open (it is being read). */
  setOpen(id: string | null): void {
    this.#openId = id;
    if (id) this.#patch(id, { unreadCount: 0 });
  }

  /** Applies a summary from a live event or a refetch. */
  apply(summary: ConversationSummary): void {
    this.#upsert(summary, this.#acceptsNew());
  }

  has(id: string): boolean {
    return this.items.some((c) => c.id === id);
  }

  versionOf(id: string): number | undefined {
    return this.items.find((c) => c.id === id)?.version;
  }

  /** New conversations enter a search result only through the server, which does the matching. */
  #acceptsNew(): boolean {
    return this.query.trim() === "";
  }

  #matchesFilter(c: ConversationSummary): boolean {
    if (this.filter === "mine") return c.assigneeId === this.#userId;
    if (this.filter === "unassigned") return c.assigneeId === null;
    return true;
  }

  #localView(c: ConversationSummary): ConversationSummary {
    return c.id === this.#openId && c.unreadCount !== 0 ? { ...c, unreadCount: 0 } : c;
  }

  #upsert(summary: ConversationSummary, insert: boolean): void {
    const index = this.items.findIndex((c) => c.id === summary.id);
    if (!this.#matchesFilter(summary)) {
      if (index >= 0) this.items.splice(index, 1);
      return;
    }
    if (index >= 0) {
      // A summary older than the one shown must not undo a newer change.
      if (summary.version < this.items[index]!.version) return;
      this.items[index] = this.#localView(summary);
    } else if (insert) {
      this.items.push(this.#localView(summary));
    } else {
      return;
    }
    this.items.sort(byActivity);
  }

  #patch(id: string, patch: Partial<ConversationSummary>): void {
    const index = this.items.findIndex((c) => c.id === id);
    if (index >= 0) this.items[index] = { ...this.items[index]!, ...patch };
  }
}
