/**
 * Inbox keyboard shortcuts (issue 4): j/k next/previous thread, r reply, n note, e close,
 * a assign, / search, ? help, Ctrl/Cmd-K the command palette. A shortcut never fires while the
 * person is typing somewhere (an input, a textarea, a select, anything editable) or holds a
 * modifier — except the palette's, which is meant to work from anywhere.
 */
export type ShortcutAction = "next" | "prev" | "reply" | "note" | "close" | "assign" | "search" | "help" | "palette" | "escape";

export const SHORTCUT_KEYS: readonly { keys: string; action: ShortcutAction }[] = [
  { keys: "j", action: "next" },
  { keys: "k", action: "prev" },
  { keys: "r", action: "reply" },
  { keys: "n", action: "note" },
  { keys: "e", action: "close" },
  { keys: "a", action: "assign" },
  { keys: "/", action: "search" },
  { keys: "?", action: "help" },
  { keys: "Ctrl K", action: "palette" },
];

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  isComposing?: boolean;
  target: EventTarget | null;
}

/** True when the event comes from somewhere the person types. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== "function") return false;
  const element = target as HTMLElement;
  if (element.isContentEditable) return true;
  return element.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], [role='textbox']") !== null;
}

export function shortcutFor(event: KeyLike): ShortcutAction | null {
  if (event.isComposing) return null;
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") return "palette";
  if (event.key === "Escape") return "escape";
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTypingTarget(event.target)) return null;
  switch (event.key) {
    case "j":
      return "next";
    case "k":
      return "prev";
    case "r":
      return "reply";
    case "n":
      return "note";
    case "e":
      return "close";
    case "a":
      return "assign";
    case "/":
      return "search";
    case "?":
      return "help";
    default:
      return null;
  }
}
