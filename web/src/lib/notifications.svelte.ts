/**
 * The notification centre: my notifications (assigned to me, mentioned, new message in my
 * threads), the unread count, live updates, and browser notifications while the tab is hidden.
 * Permission for those is asked only from a click (browsers ignore or penalise a request made
 * without a user gesture).
 */
import { api, ApiError, toApiError, type Notification } from "./api";

export type BrowserPermission = NotificationPermission | "unsupported";

/** What a browser notification says; built by a component, which can translate. */
export interface BrowserNotice {
  title: string;
  body: string;
}

export interface NotificationHooks {
  onUnauthorized(): void;
  /** Words for a browser notification (the store itself never translates). */
  describe(notification: Notification): BrowserNotice;
  /** The person clicked a browser notification. */
  open(conversationId: string): void;
}

function browserPermission(): BrowserPermission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export class NotificationCentre {
  items = $state<Notification[]>([]);
  unreadCount = $state(0);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  loaded = $state(false);
  error = $state<ApiError | null>(null);
  permission = $state<BrowserPermission>(browserPermission());

  #hooks: NotificationHooks;
  #userId: string;

  constructor(userId: string, hooks: NotificationHooks) {
    this.#userId = userId;
    this.#hooks = hooks;
  }

  /** The threads that mention me, newest first, one row per thread (the Mentions view). */
  get mentions(): Notification[] {
    const seen = new Set<string>();
    return this.items.filter((n) => n.kind === "mentioned" && !seen.has(n.conversationId) && seen.add(n.conversationId));
  }

  get unreadMentions(): number {
    return this.items.filter((n) => n.kind === "mentioned" && n.readAt === null).length;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const page = await api.notifications({ limit: 50 });
      this.items = page.notifications;
      this.unreadCount = page.unreadCount;
      this.nextCursor = page.nextCursor;
      this.error = null;
      this.loaded = true;
    } catch (error) {
      this.#fail(error);
    } finally {
      this.loading = false;
    }
  }

  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loading) return;
    this.loading = true;
    try {
      const page = await api.notifications({ limit: 50, cursor: this.nextCursor });
      const known = new Set(this.items.map((n) => n.id));
      this.items = [...this.items, ...page.notifications.filter((n) => !known.has(n.id))];
      this.unreadCount = page.unreadCount;
      this.nextCursor = page.nextCursor;
    } catch (error) {
      this.#fail(error);
    } finally {
      this.loading = false;
    }
  }

  async markRead(ids: string[]): Promise<void> {
    const unread = ids.filter((id) => this.items.some((n) => n.id === id && n.readAt === null));
    if (unread.length === 0) return;
    this.#markLocally(unread);
    try {
      this.unreadCount = (await api.markNotificationsRead({ ids: unread })).unreadCount;
    } catch (error) {
      this.#fail(error);
    }
  }

  async markAllRead(): Promise<void> {
    this.#markLocally("all");
    try {
      this.unreadCount = (await api.markNotificationsRead({ all: true })).unreadCount;
    } catch (error) {
      this.#fail(error);
    }
  }

  /** The thread was opened: the server marks its notifications read; show it now. */
  threadOpened(conversationId: string): void {
    const ids = this.items.filter((n) => n.conversationId === conversationId && n.readAt === null).map((n) => n.id);
    if (ids.length) this.#markLocally(ids);
  }

  /** A live notification.created: a new row, or a refreshed one (new messages collapse per thread). */
  created(notification: Notification, unreadCount: number): void {
    this.items = [notification, ...this.items.filter((n) => n.id !== notification.id)];
    this.unreadCount = unreadCount;
    this.#notifyBrowser(notification);
  }

  /** A live notifications.read (this or another tab of mine marked some read). */
  read(ids: string[] | "all", unreadCount: number): void {
    this.#markLocally(ids);
    this.unreadCount = unreadCount;
  }

  /** Asks for browser notifications; call only from a click. */
  async enableBrowserNotifications(): Promise<void> {
    if (typeof Notification === "undefined") return;
    try {
      this.permission = await Notification.requestPermission();
    } catch {
      this.permission = browserPermission();
    }
  }

  #markLocally(ids: string[] | "all"): void {
    const now = Date.now();
    const set = ids === "all" ? null : new Set(ids);
    this.items = this.items.map((n) => (n.readAt === null && (set === null || set.has(n.id)) ? { ...n, readAt: now } : n));
  }

  #notifyBrowser(notification: Notification): void {
    if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
    // Only while the tab is in the background: in front, the bell and the list say it already.
    if (document.visibilityState !== "hidden") return;
    if (notification.actor?.id === this.#userId) return;
    try {
      const { title, body } = this.#hooks.describe(notification);
      // The tag collapses repeated notices for one thread into the latest.
      const shown = new Notification(title, { body, tag: `chorus:${notification.conversationId}` });
      shown.onclick = () => {
        window.focus();
        this.#hooks.open(notification.conversationId);
        shown.close();
      };
    } catch {
      // Some platforms only allow notifications from a service worker: the bell still counts.
    }
  }

  #fail(error: unknown): void {
    const apiError = toApiError(error);
    if (apiError.status === 401) this.#hooks.onUnauthorized();
    this.error = apiError;
  }
}
