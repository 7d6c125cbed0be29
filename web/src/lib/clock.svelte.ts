/**
 * A shared "now" for relative times and window countdowns. It ticks only while something reads it
 * inside an effect or template (createSubscriber), so an idle page runs no timer.
 */
import { createSubscriber } from "svelte/reactivity";

const TICK_MS = 15_000;

class Clock {
  #now = Date.now();
  #watched = false;
  #subscribe = createSubscriber((update) => {
    this.#watched = true;
    this.#now = Date.now();
    const timer = setInterval(() => {
      this.#now = Date.now();
      update();
    }, TICK_MS);
    return () => {
      this.#watched = false;
      clearInterval(timer);
    };
  });

  get now(): number {
    this.#subscribe();
    return this.#watched ? this.#now : Date.now();
  }
}

export const clock = new Clock();
