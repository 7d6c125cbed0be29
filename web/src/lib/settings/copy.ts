/**
 * Copies text to the clipboard. The Clipboard API needs a secure context (https or localhost)
 * and the page's focus; when it is missing or refuses, the old select-and-copy path is tried on
 * the field that shows the text, so the person can also finish it by hand.
 */
export async function copyText(text: string, field?: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the selection path.
  }
  if (!field) return false;
  field.focus();
  field.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}
