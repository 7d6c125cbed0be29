/**
 * What each composer piece sends, through the thread store (optimistic, one Idempotency-Key per
 * message). A reply to a specific message (`thread.replyTo`) goes with whichever send comes next,
 * then is forgotten.
 */
import type { InteractiveBody } from "$contracts/whatsapp";
import type { SendMessageBody } from "$lib/api";
import type { PendingUpload } from "$lib/thread.svelte";
import { attachmentPreview, type MediaKind } from "./attachments";
import { hasLink } from "./links";
import type { LocationBody } from "./location";

/** The part of ThreadStore the composer sends through. */
export interface Sender {
  send(body: SendMessageBody, preview: string): Promise<void>;
  sendMedia(upload: PendingUpload, preview: string): Promise<void>;
  takeReplyTo(): string | undefined;
}

function replyFields(thread: Sender): { replyTo?: string } {
  const replyTo = thread.takeReplyTo();
  return replyTo ? { replyTo } : {};
}

/** Text; with a link in it, WhatsApp shows its preview unless the agent turned that off. */
export function sendText(thread: Sender, text: string, linkPreview: boolean): Promise<void> {
  return thread.send({ text, ...replyFields(thread), ...(linkPreview && hasLink(text) ? { previewUrl: true } : {}) }, text);
}

export function sendFile(thread: Sender, file: File, kind: MediaKind, caption: string): Promise<void> {
  const fields = { kind, ...(caption ? { caption } : {}), ...replyFields(thread) };
  return thread.sendMedia({ file, filename: file.name, fields }, attachmentPreview(kind, file.name, caption));
}

/** A recorded voice note (Ogg Opus), sent as WhatsApp's voice message. `label` names it in the pending bubble. */
export function sendVoice(thread: Sender, recording: Blob, label: string, at = new Date()): Promise<void> {
  // The customer's phone shows no name for a voice note; a download or a document fallback would.
  const filename = `voice-note-${at.toISOString().replace(/[:.]/g, "-")}.ogg`;
  return thread.sendMedia({ file: recording, filename, fields: { kind: "audio", voice: true, ...replyFields(thread) } }, attachmentPreview("audio", label, "", true));
}

export function sendInteractive(thread: Sender, body: InteractiveBody): Promise<void> {
  return thread.send({ interactive: body, ...replyFields(thread) }, body.body);
}

export function sendLocation(thread: Sender, body: LocationBody): Promise<void> {
  const label = [body.name, body.address].filter(Boolean).join(", ") || `${body.latitude}, ${body.longitude}`;
  return thread.send({ location: body, ...replyFields(thread) }, `📍 ${label}`);
}
