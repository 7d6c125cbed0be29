/**
 * Where sign-in sends someone back to: the `next` a page put in /login?next=… when it found
 * nobody signed in. Only a path of this app's own signed-in areas is followed — never another
 * site (`//evil.example`, `/\evil.example`, `https://…`) and never the auth pages themselves.
 */
const SIGNED_IN_AREAS = ["/inbox", "/settings", "/reports"];

export function nextPath(next: string | null | undefined, fallback = "/inbox"): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return fallback;
  const area = SIGNED_IN_AREAS.find((a) => next === a || next.startsWith(`${a}/`) || next.startsWith(`${a}?`));
  return area ? next : fallback;
}
