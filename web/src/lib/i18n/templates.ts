/**
 * Registers the templates dictionary (templates.en/ja.ts). Imported by the composer's template picker, the template preview and Settings → Templates, so it arrives with
 * the pages that use it rather than in the inbox's first load (its 120 KB budget), and is merged
 * before they render (addMessages deep-merges; `$_` updates at once).
 */
import { addMessages } from "svelte-i18n";
import templatesEn from "./templates.en";
import templatesJa from "./templates.ja";

addMessages("en", templatesEn);
addMessages("ja", templatesJa);
