/**
 * The view counts beside Mine / Unassigned / My teams / All / Mentions (GET
 * /api/conversations/counts: open threads, one D1 query). Refetched after every reconnect and,
 * debounced, after live changes — the count depends on rules (visibility, teams) the browser
 * should not re-implement.
 */
import { api, ApiError, type ConversationCounts } from "./api";

const DEBOUNCE_MS = 800;

export class CountsStore {
  counts = $state<ConversationCounts | null>(null);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onUnauthorized: () => void;

  constructor(onUnauthorized: () => void) {
    this.#onUnauthorized = onUnauthorized;
  }

  async load(): Promise<void> {
    clearTimeout(this.#timer);
    try {
      this.counts = await api.counts();
    } catch (error) {
      if (ApiError.is(error) && error.status === 401) this.#onUnauthorized();
      // Counts are a hint: keep the last ones on any other failure.
    }
  }

  /** Something changed: refetch soon, once for a burst of events. */
  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.load(), DEBOUNCE_MS);
  }

  /** A mention was read or arrived: the server says the new number in the same breath. */
  setMentions(n: number): void {
    if (this.counts) this.counts = { ...this.counts, mentions: n };
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
