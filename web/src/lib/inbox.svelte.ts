/**
 * The inbox while it is on screen: the list, the open thread, the live connection and everything
 * around them (view counts, notifications, presence, labels, people, saved views), wired
 * together. Live events go to whoever they concern; every (re)connect refetches because events
 * are not replayed.
 */
import { getContext, setContext } from "svelte";
import { api, ApiError, type ConversationSummary, type User } from "./api";
import { ConversationListStore, type InboxView } from "./conversations.svelte";
import { CountsStore } from "./counts.svelte";
import { Directory } from "./directory.svelte";
import { LabelStore } from "./labels.svelte";
import { isThreadEvent, LiveConnection, type InboxEvent } from "./live.svelte";
import { NotificationCentre, type NotificationHooks } from "./notifications.svelte";
import { PresenceStore } from "./presence.svelte";
import { SavedViewStore } from "./saved-views.svelte";
import { holderFromActivity, ThreadStore } from "./thread.svelte";

/** How long to wait for a conversation.updated before fetching the summary ourselves. */
const SUMMARY_GRACE_MS = 400;
/** How long the list waits for the socket before loading without it. */
const LIST_FALLBACK_MS = 1_500;
const VIEW_KEY = "chorus.inbox.view";

export function isManager(user: Pick<User, "role">): boolean {
  return user.role === "owner" || user.role === "manager";
}

/** Where the inbox opens: the last view chosen on this browser, else All (Managers) or Mine (Agents). */
export function initialView(user: Pick<User, "role">): InboxView {
  try {
    const saved = localStorage.getItem(VIEW_KEY);
    if (saved === "mine" || saved === "unassigned" || saved === "my_teams" || saved === "mentions") return saved;
    if (saved === "all" && isManager(user)) return "all";
  } catch {
    // Storage may be off; fall through to the default.
  }
  return isManager(user) ? "all" : "mine";
}

export interface InboxOptions {
  onUnauthorized(): void;
  describeNotification: NotificationHooks["describe"];
  openConversation(id: string): void;
}

export class Inbox {
  readonly user: User;
  readonly list: ConversationListStore;
  readonly live: LiveConnection;
  readonly counts: CountsStore;
  readonly notifications: NotificationCentre;
  readonly presence: PresenceStore;
  readonly labels = new LabelStore();
  readonly directory: Directory;
  readonly savedViews = new SavedViewStore();
  thread = $state<ThreadStore | null>(null);
  /** Text typed in the search box: when set, the list pane shows message search results. */
  searchText = $state("");
  /** Requests from shortcuts and the palette to the open thread's header and composer. */
  request = $state<{ kind: "reply" | "note" | "assign" | "close" | "snooze" | "labels"; at: number } | null>(null);

  #onUnauthorized: () => void;
  #opened = false;
  #listFallback: ReturnType<typeof setTimeout> | undefined;
  #pendingSummaries = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(user: User, options: InboxOptions) {
    this.user = user;
    this.#onUnauthorized = options.onUnauthorized;
    this.directory = new Directory(user);
    this.list = new ConversationListStore({ id: user.id, teamIds: user.teams.map((t) => t.id) }, (id) => this.labels.idsOf(id));
    this.list.view = initialView(user);
    this.counts = new CountsStore(options.onUnauthorized);
    this.live = new LiveConnection({
      onEvent: (event) => this.#onEvent(event),
      onOpen: () => this.#onOpen(),
      onTrouble: () => void this.#checkSession(),
    });
    this.presence = new PresenceStore(this.live, user.id);
    this.notifications = new NotificationCentre(user.id, {
      onUnauthorized: options.onUnauthorized,
      describe: options.describeNotification,
      open: options.openConversation,
    });
  }

  get isManager(): boolean {
    return isManager(this.user);
  }

  /**
   * Opens the socket first and loads the list once it is open, so no event can fall between the
   * list's snapshot and the subscription. If the socket is slow or blocked, the list loads anyway.
   */
  start(): void {
    this.live.start();
    this.#listFallback = setTimeout(() => {
      if (!this.#opened) {
        void this.list.load();
        void this.counts.load();
        void this.notifications.load();
      }
    }, LIST_FALLBACK_MS);
    document.addEventListener("visibilitychange", this.#onVisibility);
    void this.labels.loadCatalog();
    void this.directory.load();
    void this.savedViews.load();
  }

  stop(): void {
    clearTimeout(this.#listFallback);
    this.presence.stop();
    this.counts.stop();
    this.live.stop();
    document.removeEventListener("visibilitychange", this.#onVisibility);
    for (const timer of this.#pendingSummaries.values()) clearTimeout(timer);
    this.#pendingSummaries.clear();
    this.thread?.dispose();
    this.thread = null;
  }

  setView(view: InboxView): void {
    this.list.setView(view);
    try {
      localStorage.setItem(VIEW_KEY, view);
    } catch {
      // Not remembered; the choice still applies now.
    }
    if (view === "mentions" && !this.notifications.loaded) void this.notifications.load();
  }

  /** Opens a thread (idempotent for the one already open). */
  open(id: string): ThreadStore {
    if (this.thread?.id === id) return this.thread;
    if (this.thread) this.presence.leave(this.thread.id);
    this.thread?.dispose();
    const thread = new ThreadStore(id, {
      onSummary: (summary) => this.#applySummary(summary),
      onUnauthorized: this.#onUnauthorized,
    });
    this.thread = thread;
    this.list.setOpen(id);
    this.presence.view(id);
    this.notifications.threadOpened(id);
    void thread.load();
    void this.labels.loadFor(id);
    return thread;
  }

  close(id: string): void {
    if (this.thread?.id !== id) return;
    this.presence.leave(id);
    this.thread.dispose();
    this.thread = null;
    this.list.setOpen(null);
  }

  /** Our own action changed a thread: show the answer everywhere at once. */
  applySummary(summary: ConversationSummary): void {
    this.#applySummary(summary);
  }

  ask(kind: NonNullable<Inbox["request"]>["kind"]): void {
    this.request = { kind, at: Date.now() };
  }

  #onEvent(event: InboxEvent): void {
    switch (event.type) {
      case "hello":
        // Someone signed in as another person in another tab: this cookie is theirs now. Start
        // over rather than show one person's inbox under another's name.
        if (event.userId !== this.user.id) location.reload();
        return;
      case "notification.created":
        this.notifications.created(event.notification, event.unreadCount);
        if (event.notification.kind === "mentioned") this.counts.schedule();
        return;
      case "notifications.read":
        this.notifications.read(event.ids, event.unreadCount);
        this.counts.schedule();
        return;
      case "conversation.labels":
        this.labels.receive(event.conversationId, event.labels);
        this.list.labelsChanged(event.conversationId);
        return;
      case "presence":
        this.presence.receive(event);
        return;
    }
    if (!isThreadEvent(event)) return;
    const id = event.conversationId;
    if (this.thread?.id === id) this.thread.handle(event);
    if (event.type !== "conversation.updated") this.directory.remember(event.message.author);

    const key = event.type === "conversation.updated" ? event.type : `${event.type}:${event.message.id}`;
    const verdict = this.list.versions.check(id, event.version, key);
    if (verdict === "stale") return;
    if (event.type === "conversation.updated") {
      this.#applySummary(event.conversation);
      this.counts.schedule();
    } else if (event.type === "message.created") {
      // A change of holder, from the thread's own history (see holderFromActivity).
      const holder = holderFromActivity(event.message);
      const shown = holder ? this.list.items.find((c) => c.id === id) : undefined;
      if (holder && shown && event.version >= shown.version) this.list.apply({ ...shown, ...holder, version: event.version });
      // An Agent who just lost the thread to someone else gets no summary and may not fetch it.
      const lost = holder !== null && !this.isManager && holder.assigneeId !== null && holder.assigneeId !== this.user.id;
      // Otherwise the summary normally follows in a conversation.updated; fetch it if it doesn't.
      if (!lost) this.#expectSummary(id, event.version);
    }
    if (verdict === "gap") void this.#fetchSummary(id);
  }

  #applySummary(summary: ConversationSummary): void {
    this.list.versions.snapshot(summary.id, summary.version);
    this.list.apply(summary);
    if (summary.assigneeId) this.directory.remember({ id: summary.assigneeId, name: summary.assigneeName ?? "" });
    if (summary.teamId) this.directory.rememberTeam({ id: summary.teamId, name: summary.teamName ?? "" });
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
    void this.counts.load();
    void this.notifications.load();
    this.presence.resend();
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
