/**
 * Registers the settings dictionary (settings.en/ja.ts). Imported by the Settings layout (web/src/routes/settings/+layout.svelte), so it arrives with
 * the pages that use it rather than in the inbox's first load (its 120 KB budget), and is merged
 * before they render (addMessages deep-merges; `$_` updates at once).
 */
import { addMessages } from "svelte-i18n";
import settingsEn from "./settings.en";
import settingsJa from "./settings.ja";

addMessages("en", settingsEn);
addMessages("ja", settingsJa);
