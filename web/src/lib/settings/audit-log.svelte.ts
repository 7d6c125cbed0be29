/** The audit log as the Owner browses it: newest first, filtered on the server, paged by cursor. */
import type { ApiError } from "$lib/api";
import { accessApi, type AuditEntry, type AuditFilter } from "./api";
import { asFailure } from "./failure";
import type { LoadStatus } from "./resource.svelte";

export class AuditLog {
  entries = $state<AuditEntry[]>([]);
  nextCursor = $state<string | null>(null);
  filter = $state<AuditFilter>({});
  status = $state<LoadStatus>("idle");
  loadingMore = $state(false);
  error = $state<ApiError | null>(null);
  #generation = 0;

  /** First page for a filter; answers to an older filter are dropped. */
  async load(filter: AuditFilter = this.filter): Promise<void> {
    const generation = ++this.#generation;
    this.filter = { ...filter };
    this.status = "loading";
    this.loadingMore = false;
    try {
      const page = await accessApi.auditLog(this.filter);
      if (generation !== this.#generation) return;
      this.entries = page.entries;
      this.nextCursor = page.nextCursor;
      this.error = null;
      this.status = "ready";
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = asFailure(error);
      this.status = "error";
    }
  }

  /** The next (older) page, appended; entries already shown are not repeated. */
  async loadMore(): Promise<void> {
    if (!this.nextCursor || this.loadingMore) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await accessApi.auditLog(this.filter, this.nextCursor);
      if (generation !== this.#generation) return;
      const seen = new Set(this.entries.map((entry) => entry.id));
      this.entries.push(...page.entries.filter((entry) => !seen.has(entry.id)));
      this.nextCursor = page.nextCursor;
      this.error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = asFailure(error);
    } finally {
      if (generation === this.#generation) this.loadingMore = false;
    }
  }
}
