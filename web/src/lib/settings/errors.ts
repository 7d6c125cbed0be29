/**
 * Error sentences for settings: the codes the access routes answer with (worker/routes/users.ts,
 * teams.ts, invitations.ts, session.ts) get a sentence of our own in both languages; every other
 * code goes to the app-wide errorText.
 */
import type { Translate } from "$lib/i18n";
import { errorText, type ErrorLike } from "$lib/i18n/format";
import settingsEn from "$lib/i18n/settings.en";

export function settingsErrorText(t: Translate, error: ErrorLike): string {
  if (Object.hasOwn(settingsEn.settings.errors, error.code)) return t(`settings.errors.${error.code}`);
  return errorText(t, error);
}
