/**
 * Quick replies for the composer's `/` picker: the caller's personal ones and the shared ones,
 * fetched once when first needed, filtered in the browser as the person types.
 */
import { renderQuickReply, type QuickReplyContext } from "$contracts/quick-reply-render";
import { api, toApiError, type ApiError, type QuickReply } from "./api";

export { renderQuickReply, type QuickReplyContext };

/** Shortcut prefix first, then words of the text; personal before shared for the same shortcut. */
export function matchQuickReplies(all: readonly QuickReply[], query: string, limit = 8): QuickReply[] {
  const q = query.toLowerCase();
  const byShortcut = all.filter((r) => r.shortcut.startsWith(q));
  const byText = q ? all.filter((r) => !r.shortcut.startsWith(q) && r.text.toLowerCase().includes(q)) : [];
  const rank = (r: QuickReply) => (r.shared ? 1 : 0);
  return [...byShortcut.sort((a, b) => a.shortcut.localeCompare(b.shortcut) || rank(a) - rank(b)), ...byText].slice(0, limit);
}

class QuickReplyStore {
  all = $state<QuickReply[] | null>(null);
  error = $state<ApiError | null>(null);
  #loading: Promise<void> | null = null;

  load(force = false): Promise<void> {
    if (force) this.#loading = null;
    this.#loading ??= api
      .quickReplies()
      .then(({ quickReplies }) => {
        this.all = quickReplies;
        this.error = null;
      })
      .catch((error) => {
        this.error = toApiError(error);
        this.#loading = null;
      });
    return this.#loading;
  }
}

export const quickReplies = new QuickReplyStore();
