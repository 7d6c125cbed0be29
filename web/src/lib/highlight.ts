/**
 * Search snippets come with highlight ranges (UTF-16 offsets into the snippet's text, never
 * markup). This splits the text into plain and highlighted segments; the component renders each
 * as text, the highlighted ones inside <mark>, so customer text can never become HTML.
 */
export interface Segment {
  text: string;
  mark: boolean;
}

export function highlightSegments(text: string, ranges: readonly { start: number; end: number }[]): Segment[] {
  // Clamp, drop empty or inverted ranges, sort and merge overlaps: the server's ranges are trusted
  // for position only, and a bad one must not throw or repeat text.
  const clean = ranges
    .map((r) => ({ start: Math.max(0, Math.min(text.length, Math.floor(r.start))), end: Math.max(0, Math.min(text.length, Math.floor(r.end))) }))
    .filter((r) => Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of clean) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  const out: Segment[] = [];
  let at = 0;
  for (const r of merged) {
    if (r.start > at) out.push({ text: text.slice(at, r.start), mark: false });
    out.push({ text: text.slice(r.start, r.end), mark: true });
    at = r.end;
  }
  if (at < text.length) out.push({ text: text.slice(at), mark: false });
  return out;
}
