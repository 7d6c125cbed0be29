/**
 * Meta signs every webhook POST with `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the
 * raw request bytes keyed with the app secret. We verify over the exact bytes received (never a
 * re-serialised JSON) and with WebCrypto's `verify`, which compares in constant time.
 * https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
 */

const encoder = new TextEncoder();
// Importing a key costs more than the HMAC of a small body: keep one per secret in the isolate.
const keyCache = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string, usages: KeyUsage[]): Promise<CryptoKey> {
  const cacheKey = `${usages.join(",")}:${secret}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, usages);
    keyCache.set(cacheKey, key);
  }
  return key;
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length !== 64 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** True when `header` is a valid `sha256=<hex>` signature of `body` under `secret`. */
export async function verifyWebhookSignature(
  secret: string,
  body: ArrayBuffer | Uint8Array<ArrayBuffer>,
  header: string | null | undefined,
): Promise<boolean> {
  if (!header) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  const signature = match ? hexToBytes(match[1]!) : null;
  if (!signature) return false;
  const key = await hmacKey(secret, ["verify"]);
  return crypto.subtle.verify("HMAC", key, signature, body);
}

/** `sha256=<hex>` for `body` (used by the simulator and tests to sign webhooks as Meta does). */
export async function signWebhookBody(secret: string, body: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await hmacKey(secret, ["sign"]);
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
