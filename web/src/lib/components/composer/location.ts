/**
 * The composer's location form → `{location}` for POST /api/conversations/:id/messages, with the
 * ranges the server checks (worker/contracts/whatsapp.ts LocationBody). Agents often paste
 * "35.6812, 139.7671" from a map: the latitude field takes that whole pair too.
 */
import type { Problem } from "./attachments";

export interface LocationDraft {
  latitude: string;
  longitude: string;
  name: string;
  address: string;
}

export interface LocationBody {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

export type LocationResult = { ok: true; body: LocationBody } | { ok: false; problems: Array<Problem & { field: string }> };

/** "35.6812, 139.7671" (as maps copy it) → both numbers; null when it is not a pair. */
export function splitPair(value: string): { latitude: string; longitude: string } | null {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
  return match ? { latitude: match[1]!, longitude: match[2]! } : null;
}

function coordinate(value: string): number | null {
  const trimmed = value.trim().replace(",", ".");
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) return null;
  return Number(trimmed);
}

export function buildLocation(draft: LocationDraft): LocationResult {
  const problems: Array<Problem & { field: string }> = [];
  const latitude = coordinate(draft.latitude);
  const longitude = coordinate(draft.longitude);
  if (latitude === null || latitude < -90 || latitude > 90) problems.push({ field: "latitude", key: "outbound.location.latitudeRange" });
  if (longitude === null || longitude < -180 || longitude > 180) problems.push({ field: "longitude", key: "outbound.location.longitudeRange" });
  const name = draft.name.trim();
  const address = draft.address.trim();
  if (name.length > 1000) problems.push({ field: "name", key: "outbound.interactive.tooLong", values: { max: 1000 } });
  if (address.length > 1000) problems.push({ field: "address", key: "outbound.interactive.tooLong", values: { max: 1000 } });
  if (problems.length || latitude === null || longitude === null) return { ok: false, problems };
  return { ok: true, body: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) } };
}
