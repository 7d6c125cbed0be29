/** How a customer is named on screen: their name, else their number, else their @username. */
import type { ContactRef } from "./api";

/** Meta's wa_id is the number's digits without "+": show it as an international number. */
export function formatPhone(waId: string): string {
  const digits = waId.replace(/\D/g, "");
  return digits ? `+${digits}` : waId;
}

export function formatUsername(username: string): string {
  return username.startsWith("@") ? username : `@${username}`;
}

/** The main line: name, number or @username; null when we know none of them. */
export function contactTitle(contact: ContactRef): string | null {
  if (contact.name?.trim()) return contact.name.trim();
  if (contact.waId) return formatPhone(contact.waId);
  if (contact.username) return formatUsername(contact.username);
  return null;
}

/** The second line under a name: the number and/or @username not already in the title. */
export function contactSubtitle(contact: ContactRef): string | null {
  const parts: string[] = [];
  const title = contactTitle(contact);
  if (contact.waId && formatPhone(contact.waId) !== title) parts.push(formatPhone(contact.waId));
  if (contact.username && formatUsername(contact.username) !== title) parts.push(formatUsername(contact.username));
  return parts.length ? parts.join(" · ") : null;
}

/** One or two letters for the avatar (decorative; screen readers get the title). */
export function initials(contact: ContactRef): string {
  const name = contact.name?.trim();
  if (name) {
    const words = name.split(/\s+/).filter(Boolean);
    const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!].map((w) => [...w][0]) : [...words[0]!].slice(0, 2);
    return letters.join("").toUpperCase();
  }
  if (contact.waId) return contact.waId.slice(-2);
  if (contact.username) return [...contact.username.replace(/^@/, "")][0]?.toUpperCase() ?? "?";
  return "?";
}
