/**
 * A list the settings pages load from the API and then keep in step with their own changes
 * (an answer's item replaces the old one; nothing is refetched after every click).
 */
import type { ApiError } from "$lib/api";
import { asFailure } from "./failure";

export type LoadStatus = "idle" | "loading" | "ready" | "error";

export class ListResource<T extends { id: string }> {
  items = $state<T[]>([]);
  status = $state<LoadStatus>("idle");
  error = $state<ApiError | null>(null);
  readonly #fetch: () => Promise<T[]>;
  #generation = 0;

  constructor(fetch: () => Promise<T[]>) {
    this.#fetch = fetch;
  }

  /** (Re)loads the list; an older load that answers late is ignored. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    if (this.status !== "ready") this.status = "loading";
    try {
      const items = await this.#fetch();
      if (generation !== this.#generation) return;
      this.items = items;
      this.error = null;
      this.status = "ready";
    } catch (error) {
      if (generation !== this.#generation) return;
      this.error = asFailure(error);
      this.status = "error";
    }
  }

  /** Loads once; later calls keep what is there. */
  ensure(): Promise<void> {
    return this.status === "idle" ? this.load() : Promise.resolve();
  }

  find(id: string): T | undefined {
    return this.items.find((item) => item.id === id);
  }

  /** Replaces the item with the same id, or adds it (first by default, as the lists are newest first). */
  upsert(item: T, where: "start" | "end" = "start"): void {
    const index = this.items.findIndex((existing) => existing.id === item.id);
    if (index >= 0) this.items[index] = item;
    else if (where === "start") this.items.unshift(item);
    else this.items.push(item);
  }

  remove(id: string): void {
    this.items = this.items.filter((item) => item.id !== id);
  }
}
