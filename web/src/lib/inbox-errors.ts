/**
 * Sentences for the errors of the inbox's team features: codes of our own dictionary
 * (inbox.en.ts, desk.errors) first, then the app's general ones (i18n/format.ts).
 */
import type { Translate } from "./i18n";
import { errorText, type ErrorLike } from "./i18n/format";
import inboxEn from "./i18n/inbox.en";

export function deskErrorText(t: Translate, error: ErrorLike, context: { lockHolder?: string | null } = {}): string {
  if (Object.hasOwn(inboxEn.desk.errors, error.code) && error.code !== "lockedHeld") return t(`desk.errors.${error.code}`);
  return errorText(t, error, context);
}

/** A failed status change or assignment on a thread someone else holds. */
export function actionErrorText(t: Translate, error: ErrorLike): string {
  if (error.code === "locked") {
    const holder = (error.details?.holder as { name?: unknown } | undefined)?.name;
    if (typeof holder === "string" && holder) return t("desk.errors.lockedHeld", { values: { name: holder } });
  }
  return deskErrorText(t, error);
}
