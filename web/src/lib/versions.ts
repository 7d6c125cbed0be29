/**
 * Applies live events in order per conversation, by the thread's `version` (events.ts).
 *
 * - older than what we hold → stale, ignore;
 * - the next version (last + 1) → apply;
 * - further ahead (a gap) → apply, and the caller refetches to fill in what was missed.
 *
 * One change may push more than one event with the same version (a new message also changes the
 * conversation's summary), so an equal version is a duplicate only for an event we have already
 * applied at that version; a fetched snapshot at version V already contains everything up to V.
 * Each view (the list, an open thread) keeps its own tracker: each has its own snapshots.
 */
export type Verdict = "apply" | "stale" | "gap";

interface Seen {
  version: number;
  /** Events applied at `version`; null when a snapshot at `version` covers them all. */
  keys: Set<string> | null;
}

export class VersionTracker {
  #seen = new Map<string, Seen>();

  /** Records a fetched snapshot of the conversation at `version`. */
  snapshot(conversationId: string, version: number): void {
    const seen = this.#seen.get(conversationId);
    if (!seen || version >= seen.version) this.#seen.set(conversationId, { version, keys: null });
  }

  /** Classifies an event and, unless stale, records it. `key` names what the event changes. */
  check(conversationId: string, version: number, key: string): Verdict {
    const seen = this.#seen.get(conversationId);
    if (!seen) {
      // Nothing fetched yet for this conversation (e.g. a brand-new customer): take it as it comes.
      this.#seen.set(conversationId, { version, keys: new Set([key]) });
      return "apply";
    }
    if (version < seen.version) return "stale";
    if (version === seen.version) {
      if (seen.keys === null || seen.keys.has(key)) return "stale";
      seen.keys.add(key);
      return "apply";
    }
    const verdict: Verdict = version === seen.version + 1 ? "apply" : "gap";
    this.#seen.set(conversationId, { version, keys: new Set([key]) });
    return verdict;
  }

  version(conversationId: string): number | undefined {
    return this.#seen.get(conversationId)?.version;
  }

  clear(): void {
    this.#seen.clear();
  }
}
