/**
 * The composer's autocomplete: finds the word being typed at the caret when it starts with "@"
 * (a mention) or, at the very start of the text, with "/" (a quick reply), and replaces it.
 *
 * Mentions are written the way the server parses them (worker/services/notifications.ts):
 * `@Name` for a one-word name, `@"Full Name"` for a name with spaces.
 */
export interface Trigger {
  kind: "mention" | "quick";
  /** What follows the @ or / so far. */
  query: string;
  /** Where the trigger character is. */
  start: number;
  /** The caret. */
  end: number;
}

/** An @ preceded by a space, a line start or an opening bracket (an @ inside a word is an e-mail). */
const MENTION = /(^|[\s(（「])@("?)([^\s@"]{0,40})$/u;
const QUICK = /^\/([a-z0-9_-]{0,32})$/;

export function findTrigger(text: string, caret: number): Trigger | null {
  const before = text.slice(0, caret);
  const quick = QUICK.exec(before);
  if (quick) return { kind: "quick", query: quick[1]!, start: 0, end: caret };
  const mention = MENTION.exec(before);
  if (mention) {
    const start = caret - mention[3]!.length - mention[2]!.length - 1;
    return { kind: "mention", query: mention[3]!, start, end: caret };
  }
  return null;
}

/** How a name is written in a note so the server recognises it. */
export function mentionToken(name: string): string {
  const clean = name.replace(/"/g, "").trim();
  return /\s/.test(clean) ? `@"${clean}"` : `@${clean}`;
}

/** The text with the trigger replaced, and where the caret goes. */
export function replaceTrigger(text: string, trigger: Trigger, insert: string): { text: string; caret: number } {
  const after = text.slice(trigger.end);
  const spacer = trigger.kind === "mention" && !after.startsWith(" ") ? " " : "";
  const next = text.slice(0, trigger.start) + insert + spacer + after;
  return { text: next, caret: trigger.start + insert.length + spacer.length };
}

/** Candidates whose name starts with the query, then those containing it (case-insensitive). */
export function rankByName<T extends { name: string }>(items: readonly T[], query: string, limit = 8): T[] {
  const q = query.toLocaleLowerCase();
  if (!q) return items.slice(0, limit);
  const starts: T[] = [];
  const contains: T[] = [];
  for (const item of items) {
    const name = item.name.toLocaleLowerCase();
    if (name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q))) starts.push(item);
    else if (name.includes(q)) contains.push(item);
  }
  return [...starts, ...contains].slice(0, limit);
}
