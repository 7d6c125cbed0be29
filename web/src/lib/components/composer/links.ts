/** Does a reply hold a web link? Then WhatsApp can show a preview of it (`previewUrl`). */
export function hasLink(text: string): boolean {
  return /\bhttps?:\/\/[^\s]+\.[^\s]+/i.test(text) || /\bwww\.[^\s]+\.[^\s]+/i.test(text);
}
