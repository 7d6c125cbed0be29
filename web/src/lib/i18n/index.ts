/**
 * The i18n layer: svelte-i18n (stores) with English and Japanese dictionaries bundled — both are
 * small, and loading them synchronously means the first screen never flashes untranslated keys.
 *
 * svelte-i18n works in Svelte 5 runes components as-is: `$_` is a store subscription, which runes
 * mode still allows for imported stores. Plain `.svelte.ts` modules never translate; they keep
 * codes (e.g. ApiError.code) and components turn them into sentences.
 */
import { addMessages, init, locale } from "svelte-i18n";
import en from "./en";
import ja from "./ja";
import inboxEn from "./inbox.en";
import inboxJa from "./inbox.ja";
import whatsappEn from "./whatsapp.en";
import whatsappJa from "./whatsapp.ja";

export { _, locale } from "svelte-i18n";

export const LANGUAGES = ["en", "ja"] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = "chorus.language";

addMessages("en", en);
addMessages("ja", ja);
// More dictionaries per feature: addMessages deep-merges them into the same locale.
addMessages("en", inboxEn);
addMessages("ja", inboxJa);
addMessages("en", whatsappEn);
addMessages("ja", whatsappJa);
// The dictionaries of pages the inbox's first load does not need are added by the pages that use
// them, so they stay out of that load (its 120 KB budget) yet are merged before those pages
// render: ./composer.ts (the thread's composer), ./templates.ts (template picker, Settings →
// Templates), ./settings.ts (Settings) and ./reports.ts (Reports).

/** Anything `$_` accepts as a value. */
export type MessageValues = Record<string, string | number | Date | null | undefined>;
/** The shape of `$_` (svelte-i18n does not export its MessageFormatter type). */
export type Translate = (id: string, options?: { values?: MessageValues }) => string;

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** "ja-JP" → "ja"; anything we don't speak → null. */
export function matchLanguage(tag: string | null | undefined): Language | null {
  const primary = tag?.toLowerCase().split(/[-_]/)[0];
  return isLanguage(primary) ? primary : null;
}

function savedLanguage(): Language | null {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    return isLanguage(saved) ? saved : null;
  } catch {
    // Storage can be disabled (private modes, policies): fall back to the browser's language.
    return null;
  }
}

/** The saved choice, else the first of the browser's languages we speak, else English. */
export function initialLanguage(): Language {
  const saved = savedLanguage();
  if (saved) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const match = matchLanguage(tag);
    if (match) return match;
  }
  return "en";
}

let started = false;

/** Starts i18n in the browser. Idempotent: the root layout calls it on every load. */
export function startI18n(): void {
  if (started) return;
  started = true;
  // ignoreTag: message text is never markup, so "<" must stay a character.
  init({ fallbackLocale: "en", initialLocale: initialLanguage(), ignoreTag: true });
  locale.subscribe((value) => {
    const lang = matchLanguage(value) ?? "en";
    document.documentElement.lang = lang;
  });
}

/** Switches the language now and remembers it on this browser. */
export function setLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the switch still applies to this visit.
  }
  void locale.set(lang);
}
