/**
 * Opaque page cursors: base64url of a small JSON array (the sort key of the last row served).
 * Opaque to clients so the sort key can change without breaking the API; a cursor that does not
 * decode to the expected shape is a client mistake (400), never a 500.
 */

export function encodeCursor(key: ReadonlyArray<string | number>): string {
  const bytes = new TextEncoder().encode(JSON.stringify(key));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The decoded key when it matches `shape` ("n" number, "s" string per position), else null. */
export function decodeCursor(cursor: string, shape: ReadonlyArray<"n" | "s">): Array<string | number> | null {
  try {
    const base64 = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    const key: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!Array.isArray(key) || key.length !== shape.length) return null;
    const ok = key.every((part, i) => (shape[i] === "n" ? Number.isSafeInteger(part) : typeof part === "string"));
    return ok ? (key as Array<string | number>) : null;
  } catch {
    return null;
  }
}
