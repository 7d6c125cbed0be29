/**
 * The conversation list: one page at a time from the server, newest activity first, kept current
 * by live events. The view (Mine, Unassigned, My teams, All) and the filters run on the server;
 * live updates are matched against them here so a thread assigned away from "Mine" leaves it at
 * once and a thread closed under an "Open" filter goes.
 */
import { SvelteSet } from "svelte/reactivity";
import {
  api,
  isAbort,
  toApiError,
  type ApiError,
  type ConversationQuery,
  type ConversationStatus,
  type ConversationSummary,
  type ConversationView,
  type ViewFilters,
} from "./api";
import { VersionTracker } from "./versions";

/** The list views the server knows, plus "mentions" (the notification centre's mentions). */
export type InboxView = ConversationView | "mentions";
export const INBOX_VIEWS: readonly InboxView[] = ["mine", "unassigned", "my_teams", "all", "mentions"];

/** Filters on top of the view; `status` "any" shows every status. */
export interface ListFilters {
  status: ConversationStatus | "any";
  assignee?: string;
  team?: string;
  channel?: string;
  label?: string;
  window?: "open" | "closed";
  unread?: boolean;
}

export const DEFAULT_FILTERS: ListFilters = { status: "open" };
const PAGE_SIZE = 30;

/** Newest activity first; conversations without messages last; id keeps the order stable. */
export function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  const at = a.lastMessageAt ?? -Infinity;
  const bt = b.lastMessageAt ?? -Infinity;
  if (at !== bt) return bt - at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** How many filters differ from the default (for the "Filters (2)" badge). */
export function activeFilterCount(filters: ListFilters): number {
  let n = filters.status === DEFAULT_FILTERS.status ? 0 : 1;
  for (const key of ["assignee", "team", "channel", "label", "window"] as const) if (filters[key]) n++;
  if (filters.unread !== undefined) n++;
  return n;
}

/** The list's filters as a saved view stores them (worker/contracts/collaboration.ts, ViewFilters). */
export function toViewFilters(filters: ListFilters, q: string): ViewFilters {
  const out: ViewFilters = {};
  if (filters.status !== "any") out.status = filters.status;
  if (filters.assignee) out.assignee = filters.assignee;
  if (filters.team) out.team = filters.team;
  if (filters.channel) out.channel = filters.channel;
  if (filters.label) out.label = filters.label;
  if (filters.window) out.window = filters.window;
  if (filters.unread !== undefined) out.unread = filters.unread;
  if (q.trim()) out.q = q.trim();
  return out;
}

/** A saved view's filters back into the list's (a view without a status shows every status). */
export function fromViewFilters(saved: ViewFilters): { filters: ListFilters; q: string } {
  return {
    filters: {
      status: saved.status ?? "any",
      ...(saved.assignee ? { assignee: saved.assignee } : {}),
      ...(saved.team ? { team: saved.team } : {}),
      ...(saved.channel ? { channel: saved.channel } : {}),
      ...(saved.label ? { label: saved.label } : {}),
      ...(saved.window ? { window: saved.window } : {}),
      ...(saved.unread !== undefined ? { unread: saved.unread } : {}),
    },
    q: saved.q ?? "",
  };
}

/** The query string the server takes for a view and filters. */
export function listQuery(view: ConversationView, filters: ListFilters, q: string): ConversationQuery {
  return {
    view,
    status: filters.status === "any" ? undefined : filters.status,
    assignee: filters.assignee,
    team: filters.team,
    channel: filters.channel,
    label: filters.label,
    window: filters.window,
    unread: filters.unread === undefined ? undefined : filters.unread ? "true" : "false",
    q: q.trim() || undefined,
  };
}

export interface Viewer {
  id: string;
  teamIds: readonly string[];
}

/**
 * Whether a summary belongs in the view and filters, as far as the browser can tell. Labels are
 * not part of a summary: `labelIds` is what this browser knows of the thread's labels (undefined:
 * unknown, which keeps a thread the server put there).
 */
export function matchesList(
  c: ConversationSummary,
  view: ConversationView,
  filters: ListFilters,
  viewer: Viewer,
  now: number,
  labelIds?: readonly string[],
): boolean {
  if (view === "mine" && c.assigneeId !== viewer.id) return false;
  if (view === "unassigned" && c.assigneeId !== null) return false;
  if (view === "my_teams" && !(c.teamId && viewer.teamIds.includes(c.teamId))) return false;
  if (filters.status !== "any" && c.status !== filters.status) return false;
  if (filters.assignee === "me" && c.assigneeId !== viewer.id) return false;
  if (filters.assignee === "unassigned" && c.assigneeId !== null) return false;
  if (filters.assignee && filters.assignee !== "me" && filters.assignee !== "unassigned" && c.assigneeId !== filters.assignee) return false;
  if (filters.team && c.teamId !== filters.team) return false;
  if (filters.channel && c.channelId !== filters.channel) return false;
  if (filters.window) {
    const open = c.windowEndsAt !== null && c.windowEndsAt > now;
    if ((filters.window === "open") !== open) return false;
  }
  if (filters.unread !== undefined && c.unreadCount > 0 !== filters.unread) return false;
  if (filters.label && labelIds && !labelIds.includes(filters.label)) return false;
  return true;
}

export class ConversationListStore {
  items = $state<ConversationSummary[]>([]);
  view = $state<InboxView>("all");
  filters = $state<ListFilters>({ ...DEFAULT_FILTERS });
  /** Contact name / number search of the list itself (message text goes to /api/search). */
  query = $state("");
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<ApiError | null>(null);
  /** Set once the first page has arrived, so "empty" is never shown before we know. */
  loaded = $state(false);
  /** Threads ticked for a bulk action. */
  readonly selected = new SvelteSet<string>();

  readonly versions = new VersionTracker();
  #viewer: Viewer;
  #labelsOf: (id: string) => readonly string[] | undefined;
  #abort: AbortController | null = null;
  #openId: string | null = null;

  constructor(viewer: Viewer, labelsOf: (id: string) => readonly string[] | undefined = () => undefined) {
    this.#viewer = viewer;
    this.#labelsOf = labelsOf;
  }

  get unreadTotal(): number {
    return this.items.reduce((sum, c) => sum + c.unreadCount, 0);
  }

  /** The server view behind the current one ("mentions" lists notifications instead). */
  get serverView(): ConversationView | null {
    return this.view === "mentions" ? null : this.view;
  }

  /** (Re)loads the first page for the current view and filters; a newer call cancels an older one. */
  async load(): Promise<void> {
    const view = this.serverView;
    this.#abort?.abort();
    if (!view) {
      this.loading = false;
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    this.loading = true;
    this.error = null;
    try {
      const page = await api.conversations({ ...listQuery(view, this.filters, this.query), limit: PAGE_SIZE }, abort.signal);
      this.versions.clear();
      for (const c of page.conversations) this.versions.snapshot(c.id, c.version);
      this.items = page.conversations.map((c) => this.#localView(c)).sort(byActivity);
      this.nextCursor = page.nextCursor;
      this.loaded = true;
      // A ticked thread that left the list can't be acted on from here.
      const shown = new Set(this.items.map((c) => c.id));
      for (const id of this.selected) if (!shown.has(id)) this.selected.delete(id);
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
    const view = this.serverView;
    if (!view || !this.nextCursor || this.loadingMore || this.loading) return;
    this.loadingMore = true;
    const cursor = this.nextCursor;
    try {
      const page = await api.conversations({ ...listQuery(view, this.filters, this.query), limit: PAGE_SIZE, cursor });
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

  setView(view: InboxView): void {
    if (view === this.view) return;
    this.view = view;
    this.selected.clear();
    this.loaded = view === "mentions" ? this.loaded : false;
    void this.load();
  }

  setFilters(filters: ListFilters): void {
    this.filters = { ...filters };
    this.selected.clear();
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

  /** Applies a summary from a live event, a refetch or our own action. */
  apply(summary: ConversationSummary): void {
    this.#upsert(summary, this.#acceptsNew());
  }

  /** A thread's labels changed: it may leave (or no longer match) a label filter. */
  labelsChanged(id: string): void {
    const index = this.items.findIndex((c) => c.id === id);
    if (index >= 0 && !this.#matches(this.items[index]!)) this.items.splice(index, 1);
  }

  has(id: string): boolean {
    return this.items.some((c) => c.id === id);
  }

  versionOf(id: string): number | undefined {
    return this.items.find((c) => c.id === id)?.version;
  }

  toggleSelected(id: string): void {
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
  }

  selectAll(on: boolean): void {
    this.selected.clear();
    if (on) for (const c of this.items) this.selected.add(c.id);
  }

  /** New conversations enter a search result only through the server, which does the matching. */
  #acceptsNew(): boolean {
    return this.query.trim() === "" && this.serverView !== null;
  }

  #matches(c: ConversationSummary): boolean {
    const view = this.serverView;
    if (!view) return false;
    return matchesList(c, view, this.filters, this.#viewer, Date.now(), this.#labelsOf(c.id));
  }

  #localView(c: ConversationSummary): ConversationSummary {
    return c.id === this.#openId && c.unreadCount !== 0 ? { ...c, unreadCount: 0 } : c;
  }

  #upsert(summary: ConversationSummary, insert: boolean): void {
    const index = this.items.findIndex((c) => c.id === summary.id);
    if (index >= 0 && summary.version < this.items[index]!.version) return;
    if (!this.#matches(summary)) {
      if (index >= 0) {
        this.items.splice(index, 1);
        this.selected.delete(summary.id);
      }
      return;
    }
    if (index >= 0) {
      // A summary older than the one shown must not undo a newer change (checked above).
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
