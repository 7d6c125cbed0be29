/**
 * WebM → Ogg without re-encoding, for voice notes. WhatsApp plays a voice message only from Ogg
 * with Opus (Meta, "Audio messages"); Chromium's MediaRecorder records Opus only inside WebM. The
 * Opus packets are copied as they are into an Ogg container with mediabunny — no decoding, no
 * quality loss, no WebCodecs needed. This module is loaded with a dynamic import when the agent
 * records, so the inbox's first load never carries mediabunny.
 */
import { BlobSource, BufferTarget, EncodedAudioPacketSource, EncodedPacketSink, Input, OggOutputFormat, Output, WEBM } from "mediabunny";

export const OGG_OPUS = "audio/ogg; codecs=opus";

/** The Opus packets of a WebM recording, in an Ogg file. Throws if the recording holds no Opus audio. */
export async function webmOpusToOgg(recording: Blob): Promise<Blob> {
  const input = new Input({ source: new BlobSource(recording), formats: [WEBM] });
  try {
    const track = await input.getPrimaryAudioTrack();
    if (!track || track.codec !== "opus") throw new Error(`The recording holds ${track?.codec ?? "no audio"}, not Opus.`);
    const decoderConfig = await track.getDecoderConfig();
    if (!decoderConfig) throw new Error("The recording's Opus track has no decoder configuration.");

    const output = new Output({ format: new OggOutputFormat(), target: new BufferTarget() });
    const source = new EncodedAudioPacketSource("opus");
    output.addAudioTrack(source);
    await output.start();
    let first = true;
    for await (const packet of new EncodedPacketSink(track).packets()) {
      // The first packet carries the decoder config: it becomes the OpusHead page.
      await source.add(packet, first ? { decoderConfig } : undefined);
      first = false;
    }
    if (first) throw new Error("The recording is empty.");
    await output.finalize();
    return new Blob([output.target.buffer!], { type: OGG_OPUS });
  } finally {
    input.dispose();
  }
}

/** An Ogg file starts with the capture pattern "OggS". */
export async function isOgg(blob: Blob): Promise<boolean> {
  const head = new Uint8Array(await blob.slice(0, 4).arrayBuffer());
  return String.fromCharCode(...head) === "OggS";
}
