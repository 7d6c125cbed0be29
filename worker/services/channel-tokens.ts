/**
 * Each WhatsApp number (channel) may carry its own Graph API access token — numbers of different
 * Meta business accounts need different system-user tokens. Tokens are encrypted at rest with
 * AES-256-GCM (WebCrypto); the key is derived with HKDF-SHA-256 from the CHANNEL_TOKEN_KEY secret,
 * so a leaked D1 backup does not leak tokens. A channel without a token uses WHATSAPP_ACCESS_TOKEN.
 *
 * Stored form: "v1.<iv>.<ciphertext>" (base64url); the channel id is the GCM additional data, so a
 * ciphertext copied onto another channel's row does not decrypt.
 */
import type { Env } from "../env";

const VERSION = "v1";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const keys = new Map<string, Promise<CryptoKey>>();

function aesKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("chorus/channel-token"), info: encoder.encode("aes-256-gcm v1") },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keys.set(secret, key);
  }
  return key;
}

export class ChannelTokenKeyMissing extends Error {
  constructor() {
    super("CHANNEL_TOKEN_KEY is not set: a channel's own access token cannot be stored or read.");
  }
}

/** Encrypt `token` for channel `channelId`. */
export async function encryptChannelToken(secret: string | undefined, channelId: string, token: string): Promise<string> {
  if (!secret) throw new ChannelTokenKeyMissing();
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(channelId) },
    await aesKey(secret),
    encoder.encode(token),
  );
  return `${VERSION}.${b64url(iv)}.${b64url(new Uint8Array(sealed))}`;
}

/** Decrypt a stored token; null when it cannot be read (wrong key, tampered, another channel's). */
export async function decryptChannelToken(secret: string | undefined, channelId: string, stored: string): Promise<string | null> {
  if (!secret) return null;
  const [version, iv, data] = stored.split(".");
  if (version !== VERSION || !iv || !data) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromB64url(iv), additionalData: encoder.encode(channelId) },
      await aesKey(secret),
      fromB64url(data),
    );
    return decoder.decode(plain);
  } catch {
    return null;
  }
}

const CACHE_TTL_MS = 60_000;
const cache = new Map<string, { token: string; at: number }>();

/** Forget cached tokens (after a channel's token changes). */
export function clearChannelTokenCache(channelId?: string): void {
  if (channelId) cache.delete(channelId);
  else cache.clear();
}

/**
 * The token to call the Graph API with for `channelId`: its own (decrypted) when set and
 * readable, else WHATSAPP_ACCESS_TOKEN; "" when neither exists. Cached per isolate for a minute.
 */
export async function accessTokenFor(env: Env, channelId: string | null, now = Date.now()): Promise<string> {
  const fallback = env.WHATSAPP_ACCESS_TOKEN ?? "";
  if (!channelId) return fallback;
  const hit = cache.get(channelId);
  if (hit && now - hit.at < CACHE_TTL_MS) return hit.token;
  let token = fallback;
  try {
    const row = await env.DB.prepare("SELECT access_token_encrypted AS t FROM channels WHERE id = ?").bind(channelId).first<{ t: string | null }>();
    if (row?.t) {
      const own = await decryptChannelToken(env.CHANNEL_TOKEN_KEY, channelId, row.t);
      if (own) token = own;
      else console.error("channel token could not be decrypted (is CHANNEL_TOKEN_KEY the one it was saved with?)", channelId);
    }
  } catch (err) {
    // D1 unreachable: the workspace token is the best guess; not cached so the next call re-reads.
    console.warn("channel token lookup failed", channelId, err);
    return fallback;
  }
  cache.set(channelId, { token, at: now });
  return token;
}
