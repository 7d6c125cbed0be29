/**
 * The voice-note remux (web/src/lib/components/composer/remux.ts) in Node: a WebM/Opus recording —
 * what Chromium's MediaRecorder makes, built here from the simulator's Ogg Opus sample with
 * mediabunny — becomes an Ogg file with the very same Opus packets (copied, never re-encoded).
 */
import { BufferSource, BufferTarget, EncodedAudioPacketSource, EncodedPacketSink, Input, OGG, Output, WebMOutputFormat, type EncodedPacket } from "mediabunny";
import { describe, expect, it } from "vitest";
import { isOgg, OGG_OPUS, webmOpusToOgg } from "$lib/components/composer/remux";
import { sampleOggOpus } from "../../worker/simulator/sample-media";

async function packetsOf(bytes: Uint8Array, formats = [OGG]) {
  const input = new Input({ source: new BufferSource(bytes), formats: formats as never });
  const track = (await input.getPrimaryAudioTrack())!;
  const packets: EncodedPacket[] = [];
  for await (const packet of new EncodedPacketSink(track).packets()) packets.push(packet);
  return { track, packets, config: (await track.getDecoderConfig())!, codec: track.codec };
}

/** A WebM with the sample's Opus packets, as MediaRecorder would record it. */
async function webmRecording(seconds: number): Promise<Blob> {
  const { packets, config } = await packetsOf(sampleOggOpus(seconds));
  const output = new Output({ format: new WebMOutputFormat(), target: new BufferTarget() });
  const source = new EncodedAudioPacketSource("opus");
  output.addAudioTrack(source);
  await output.start();
  for (const [i, packet] of packets.entries()) await source.add(packet, i === 0 ? { decoderConfig: config } : undefined);
  await output.finalize();
  return new Blob([output.target.buffer!], { type: "audio/webm;codecs=opus" });
}

describe("voice notes: WebM → Ogg without re-encoding", () => {
  it("copies every Opus packet into an Ogg file WhatsApp takes as a voice note", async () => {
    const webm = await webmRecording(2);
    expect(await isOgg(webm)).toBe(false);
    const ogg = await webmOpusToOgg(webm);
    expect(ogg.type).toBe(OGG_OPUS);
    expect(await isOgg(ogg)).toBe(true);

    const original = await packetsOf(sampleOggOpus(2));
    const remuxed = await packetsOf(new Uint8Array(await ogg.arrayBuffer()));
    expect(remuxed.codec).toBe("opus");
    expect(remuxed.config.numberOfChannels).toBe(1);
    expect(remuxed.config.sampleRate).toBe(48000);
    expect(remuxed.packets.length).toBe(original.packets.length);
    expect(remuxed.packets.map((p) => [...p.data])).toEqual(original.packets.map((p) => [...p.data]));
    // The granule positions carry the timing: a player knows it lasts two seconds.
    const input = new Input({ source: new BufferSource(new Uint8Array(await ogg.arrayBuffer())), formats: [OGG] });
    expect(await input.computeDuration()).toBeCloseTo(2, 1);
  });

  it("refuses something that is not a WebM recording", async () => {
    await expect(webmOpusToOgg(new Blob([new Uint8Array([1, 2, 3, 4])]))).rejects.toThrow();
  });
});
