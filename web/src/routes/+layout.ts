// The app renders in the browser and talks to /api/* (conventions.md, "Web").
import { startI18n } from "$lib/i18n";

export const ssr = false;
export const prerender = false;

export function load() {
  // ssr = false: this only ever runs in the browser, before the first component renders.
  startI18n();
}
