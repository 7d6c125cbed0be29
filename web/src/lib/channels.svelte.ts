/**
 * The workspace's WhatsApp numbers as the inbox names them (issue 5, "the inbox filters by
 * channel"): GET /api/channels/directory answers every signed-in user with each number's id, name
 * and phone. Loaded once, the first time something reads it; list rows and the thread header name
 * the number only when there are several.
 */
import type * as v from "valibot";
import type * as C from "$contracts/api";
import { request } from "./api";

export type ChannelRef = v.InferOutput<typeof C.ChannelRef>;

/** "Support line", else "+1 555 …" (Meta's display number), else Meta's phone number id. */
export function channelLabel(channel: Pick<ChannelRef, "name" | "displayPhoneNumber" | "phoneNumberId">): string {
  if (channel.name) return channel.name;
  if (channel.displayPhoneNumber) return channel.displayPhoneNumber.startsWith("+") ? channel.displayPhoneNumber : `+${channel.displayPhoneNumber}`;
  return channel.phoneNumberId;
}

const RELOAD_MS = 10_000;

class ChannelDirectory {
  #items = $state<ChannelRef[]>([]);
  #loading: Promise<void> | null = null;
  #loadedAt: number | null = null;

  get items(): ChannelRef[] {
    void this.load();
    return this.#items;
  }

  /** More than one number: the inbox says which one a thread came in on. */
  get several(): boolean {
    return this.items.length > 1;
  }

  /**
   * The label of a channel id; the id itself while the directory is loading or when unknown. A
   * number Chorus learnt after the directory loaded (its first webhook) makes it load again, at
   * most every RELOAD_MS.
   */
  label(id: string): string {
    const channel = this.items.find((c) => c.id === id);
    if (!channel && this.#loadedAt !== null && Date.now() - this.#loadedAt > RELOAD_MS) {
      this.#loading = null;
      this.#loadedAt = null;
      void this.load();
    }
    return channel ? channelLabel(channel) : id;
  }

  /** What a list row or thread header shows for its number: null while the workspace has only one. */
  nameFor(id: string): string | null {
    const label = this.label(id);
    return this.several ? label : null;
  }

  load(): Promise<void> {
    this.#loading ??= request<{ channels: ChannelRef[] }>("GET", "/api/channels/directory")
      .then(({ channels }) => {
        this.#items = channels;
        this.#loadedAt = Date.now();
      })
      .catch(() => {
        // Cosmetic: without it the inbox shows ids. Try again on the next read.
        this.#loading = null;
      });
    return this.#loading;
  }

  /** After Settings → Channels renamed a number: the inbox shows the new name. */
  update(channel: ChannelRef): void {
    const index = this.#items.findIndex((c) => c.id === channel.id);
    if (index >= 0) this.#items[index] = { ...channel };
    else this.#items = [...this.#items, channel];
  }
}

export const channelDirectory = new ChannelDirectory();
