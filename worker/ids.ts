/** Random identifiers from WebCrypto: `prefix_` + 20 base32 characters (100 bits). */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return `${prefix}_${out}`;
}

/** A URL-safe random secret (for session cookies, tokens): 32 bytes of WebCrypto randomness. */
export function newSecret(byteLength = 32): string {
  const bytes = crypto.getRandomValues(new Uint8Array(byteLength));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
