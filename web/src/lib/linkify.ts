/**
 * Splits customer text into plain text and links, for rendering as text nodes and <a> elements —
 * never as HTML. Only http, https, mailto and tel become links; everything else stays text.
 */
export type Token = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);

// Candidates: a scheme we allow, then characters up to a space or CJK punctuation (Japanese text
// often runs straight on after a link: "https://example.jp/a。ありがとう"). Validated with URL below.
const CANDIDATE = /\b(?:https?:\/\/|mailto:|tel:)[^\s<>"。、，．：；！？「」『』【】（）〈〉《》]+/gi;

// Punctuation that usually ends the sentence rather than the link.
const TRAILING = /[.,;:!?'"。、！？）」』】]+$/;

/** Drops a closing bracket that has no opening one inside the link, e.g. "(see https://x.y/a)". */
function trimUnbalanced(candidate: string): string {
  let result = candidate;
  for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"]] as const) {
    while (result.endsWith(close) && result.split(open).length < result.split(close).length) {
      result = result.slice(0, -1).replace(TRAILING, "");
    }
  }
  return result;
}

function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    if (!SAFE_PROTOCOLS.has(url.protocol)) return null;
    if ((url.protocol === "http:" || url.protocol === "https:") && !url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

export function linkify(text: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const pushText = (value: string) => {
    if (!value) return;
    const previous = tokens[tokens.length - 1];
    if (previous?.kind === "text") previous.text += value;
    else tokens.push({ kind: "text", text: value });
  };
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const candidate = trimUnbalanced(match[0].replace(TRAILING, ""));
    const href = safeHref(candidate);
    if (!href) continue;
    pushText(text.slice(last, start));
    tokens.push({ kind: "link", text: candidate, href });
    last = start + candidate.length;
  }
  pushText(text.slice(last));
  return tokens;
}
