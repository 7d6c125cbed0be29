/**
 * Registers the reports dictionary (reports.en/ja.ts). Imported by the Reports layout (web/src/routes/reports/+layout.svelte), so it arrives with
 * the pages that use it rather than in the inbox's first load (its 120 KB budget), and is merged
 * before they render (addMessages deep-merges; `$_` updates at once).
 */
import { addMessages } from "svelte-i18n";
import reportsEn from "./reports.en";
import reportsJa from "./reports.ja";

addMessages("en", reportsEn);
addMessages("ja", reportsJa);
