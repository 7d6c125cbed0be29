/**
 * Labels: the workspace's list (GET /api/labels) and the labels of the threads this browser has
 * looked at, kept current by the live `conversation.labels` event. The list's summaries carry no
 * labels, so a thread's labels are known once it was opened or changed live.
 */
import { SvelteMap } from "svelte/reactivity";
import { api, toApiError, type ApiError, type Label } from "./api";

export class LabelStore {
  catalog = $state<Label[]>([]);
  loaded = $state(false);
  error = $state<ApiError | null>(null);
  readonly byThread = new SvelteMap<string, Label[]>();
  #loading: Promise<void> | null = null;

  loadCatalog(force = false): Promise<void> {
    if (force) this.#loading = null;
    this.#loading ??= api
      .labels()
      .then(({ labels }) => {
        this.catalog = labels.sort((a, b) => a.name.localeCompare(b.name));
        this.loaded = true;
        this.error = null;
      })
      .catch((error) => {
        this.error = toApiError(error);
        this.#loading = null;
      });
    return this.#loading;
  }

  /** The labels of one thread, fetched when it opens. */
  async loadFor(conversationId: string): Promise<void> {
    try {
      const { labels } = await api.conversationLabels(conversationId);
      this.byThread.set(conversationId, labels);
    } catch {
      // Labels are secondary: the thread shows without them.
    }
  }

  /** Replace a thread's labels; the server pushes the result to everyone who may see it. */
  async set(conversationId: string, labelIds: string[]): Promise<void> {
    const before = this.byThread.get(conversationId);
    this.byThread.set(
      conversationId,
      this.catalog.filter((l) => labelIds.includes(l.id)),
    );
    try {
      const { labels } = await api.setConversationLabels(conversationId, labelIds);
      this.byThread.set(conversationId, labels);
    } catch (error) {
      if (before) this.byThread.set(conversationId, before);
      else this.byThread.delete(conversationId);
      throw error;
    }
  }

  /** A live conversation.labels event. */
  receive(conversationId: string, labels: Label[]): void {
    this.byThread.set(conversationId, labels);
    // A label we had not seen (created since the catalog loaded): refresh the catalog.
    if (labels.some((l) => !this.catalog.some((c) => c.id === l.id))) void this.loadCatalog(true);
  }

  idsOf(conversationId: string): string[] | undefined {
    return this.byThread.get(conversationId)?.map((l) => l.id);
  }
}

/** Black or white text, whichever reads better on a label's #rrggbb colour. */
export function labelTextColor(hex: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return "#000000";
  const [r, g, b] = match.slice(1).map((h) => parseInt(h, 16) / 255) as [number, number, number];
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return luminance > 0.4 ? "#1d2421" : "#ffffff";
}

/** A safe colour for a style attribute: only #rrggbb passes. */
export function safeColor(hex: string): string {
  return /^#[0-9a-f]{6}$/i.test(hex) ? hex : "#888888";
}
