/**
 * Voice notes in the browser. WhatsApp plays a voice message only from Ogg Opus (Meta, "Audio
 * messages"). Firefox's MediaRecorder records Ogg Opus itself: used as it is. Chromium records
 * Opus only in WebM: the packets are moved into Ogg by ./remux.ts (mediabunny, loaded only then).
 */
export const OGG_RECORDING = "audio/ogg;codecs=opus";
export const WEBM_RECORDING = "audio/webm;codecs=opus";

/** The recording type this browser can make, best first; null: it cannot record Opus at all. */
export function recordingType(isTypeSupported: (type: string) => boolean): string | null {
  if (isTypeSupported(OGG_RECORDING)) return OGG_RECORDING;
  if (isTypeSupported(WEBM_RECORDING)) return WEBM_RECORDING;
  return null;
}

/** The recording as the Ogg Opus file WhatsApp wants (remuxed from WebM when needed). */
export async function toOggOpus(recording: Blob): Promise<Blob> {
  if (recording.type.startsWith("audio/ogg")) return new Blob([recording], { type: "audio/ogg; codecs=opus" });
  const { webmOpusToOgg } = await import("./remux");
  return webmOpusToOgg(recording);
}

/** "0:07", "1:23". */
export function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** Why recording could not start, as an i18n key: the microphone was refused, missing, or busy. */
export function microphoneProblem(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "outbound.voice.denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "outbound.voice.noMicrophone";
  if (name === "NotReadableError" || name === "AbortError") return "outbound.voice.busy";
  return "outbound.voice.failed";
}
