/**
 * Presence in threads: who else is viewing a thread or typing in it. This browser says where it
 * is on the live socket — `{type:"presence", conversationId, state}`, re-sent every 10 s while
 * it stays true and "idle" when it leaves — and the hub answers with everyone in that thread.
 * Entries that stop being refreshed fade out on their own, so a closed laptop never leaves a
 * ghost "is typing".
 */
import { SvelteMap } from "svelte/reactivity";
import type { LiveConnection, PresenceEvent, PresenceState, PresenceUser } from "./live.svelte";

export const PRESENCE_RESEND_MS = 10_000;
/** Typing turns back into viewing after this long without a keystroke. */
export const TYPING_IDLE_MS = 5_000;
/** An entry not refreshed for this long is dropped (the resend interval plus slack). */
export const PRESENCE_TTL_MS = 30_000;

export class PresenceStore {
  /** Others in each thread (never me), as last heard. */
  readonly others = new SvelteMap<string, PresenceUser[]>();
  /** True once the hub has sent any presence: without it the inbox relies on the lock alone. */
  supported = $state(false);

  #live: Pick<LiveConnection, "send">;
  #me: string;
  #current: { conversationId: string; state: PresenceState } | null = null;
  #resend: ReturnType<typeof setInterval> | undefined;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #expiry = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(live: Pick<LiveConnection, "send">, me: string) {
    this.#live = live;
    this.#me = me;
  }

  /** Others in a thread with a given state. */
  inThread(conversationId: string): PresenceUser[] {
    return this.others.get(conversationId) ?? [];
  }

  typing(conversationId: string): PresenceUser[] {
    return this.inThread(conversationId).filter((u) => u.state === "typing");
  }

  /** I opened a thread. */
  view(conversationId: string): void {
    this.#set(conversationId, "viewing");
  }

  /** I pressed a key in a thread's composer; it goes back to viewing after a pause. */
  type(conversationId: string): void {
    if (this.#current?.conversationId !== conversationId || this.#current.state !== "typing") this.#set(conversationId, "typing");
    clearTimeout(this.#typingTimer);
    this.#typingTimer = setTimeout(() => {
      if (this.#current?.conversationId === conversationId) this.#set(conversationId, "viewing");
    }, TYPING_IDLE_MS);
  }

  /** I left a thread. */
  leave(conversationId: string): void {
    if (this.#current?.conversationId !== conversationId) return;
    clearTimeout(this.#typingTimer);
    clearInterval(this.#resend);
    this.#live.send({ type: "presence", conversationId, state: "idle" });
    this.#current = null;
  }

  /** After a reconnect the hub knows nothing of us: say it again. */
  resend(): void {
    if (this.#current) this.#live.send({ type: "presence", ...this.#current });
  }

  receive(event: PresenceEvent): void {
    this.supported = true;
    const users = event.users.filter(
      (u) => u && typeof u.id === "string" && typeof u.name === "string" && u.id !== this.#me && (u.state === "viewing" || u.state === "typing"),
    );
    clearTimeout(this.#expiry.get(event.conversationId));
    if (users.length === 0) {
      this.others.delete(event.conversationId);
      this.#expiry.delete(event.conversationId);
      return;
    }
    this.others.set(event.conversationId, users);
    this.#expiry.set(
      event.conversationId,
      setTimeout(() => {
        this.others.delete(event.conversationId);
        this.#expiry.delete(event.conversationId);
      }, PRESENCE_TTL_MS),
    );
  }

  stop(): void {
    if (this.#current) this.leave(this.#current.conversationId);
    clearTimeout(this.#typingTimer);
    clearInterval(this.#resend);
    for (const timer of this.#expiry.values()) clearTimeout(timer);
    this.#expiry.clear();
  }

  #set(conversationId: string, state: PresenceState): void {
    if (this.#current && this.#current.conversationId !== conversationId) this.leave(this.#current.conversationId);
    this.#current = { conversationId, state };
    this.#live.send({ type: "presence", conversationId, state });
    clearInterval(this.#resend);
    this.#resend = setInterval(() => this.resend(), PRESENCE_RESEND_MS);
  }
}
