/**
 * Registers the composer's dictionary (outbound kinds, issue 5). Imported by Composer.svelte, so
 * it arrives with the thread page rather than in the inbox's first load, and is merged before the
 * composer renders (addMessages deep-merges; `$_` updates at once).
 */
import { addMessages } from "svelte-i18n";
import composerEn from "./composer.en";
import composerJa from "./composer.ja";

addMessages("en", composerEn);
addMessages("ja", composerJa);
