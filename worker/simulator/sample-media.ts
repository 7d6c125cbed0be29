/**
 * The simulator's bundled sample files, generated in code (no downloads, nothing binary checked
 * in): a small PNG picture, an Ogg Opus voice note (one second of silence), a one-page PDF, a WebP
 * sticker (Meta sends stickers as image/webp) and a tiny MP4 video. Each is a structurally valid
 * file of its type, so Chorus stores and serves it exactly as it would real media. The MP4 carries
 * a video track without samples: enough for every MP4 parser, nothing a browser can play.
 */

const encoder = new TextEncoder();

// ---- checksums --------------------------------------------------------------------------------

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Ogg's CRC: polynomial 0x04c11db7, not reflected, initial 0. */
const OGG_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) ^ OGG_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(parts.reduce((n, p) => n + p.length, 0)));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

// ---- PNG --------------------------------------------------------------------------------------

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concat([encoder.encode(type), data]);
  return concat([u32be(data.length), typed, u32be(crc32(typed))]);
}

/** zlib stream with stored (uncompressed) deflate blocks: valid, and needs no compressor. */
function zlibStored(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [new Uint8Array([0x78, 0x01])];
  for (let offset = 0; offset < data.length || offset === 0; offset += 65535) {
    const chunk = data.subarray(offset, offset + 65535);
    const last = offset + 65535 >= data.length ? 1 : 0;
    blocks.push(new Uint8Array([last, chunk.length & 0xff, chunk.length >> 8, ~chunk.length & 0xff, (~chunk.length >> 8) & 0xff]), chunk);
    if (data.length === 0) break;
  }
  blocks.push(u32be(adler32(data)));
  return concat(blocks);
}

/** A `size`×`size` RGB PNG: a two-colour diagonal so it is visibly a picture. */
export function samplePng(size = 32, colours: [number[], number[]] = [[37, 211, 102], [18, 140, 126]]): Uint8Array<ArrayBuffer> {
  const raw = new Uint8Array(size * (size * 3 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const [r, g, b] = x > y ? colours[0] : colours[1];
      const i = y * (size * 3 + 1) + 1 + x * 3;
      raw[i] = r!;
      raw[i + 1] = g!;
      raw[i + 2] = b!;
    }
  }
  const ihdr = concat([u32be(size), u32be(size), new Uint8Array([8, 2, 0, 0, 0])]);
  return concat([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlibStored(raw)),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

// ---- Ogg Opus ---------------------------------------------------------------------------------

function oggPage(packet: Uint8Array[], options: { headerType: number; granule: bigint; serial: number; sequence: number }): Uint8Array {
  const segments: number[] = [];
  for (const p of packet) {
    let left = p.length;
    while (left >= 255) {
      segments.push(255);
      left -= 255;
    }
    segments.push(left);
  }
  const header = new Uint8Array(27 + segments.length);
  const view = new DataView(header.buffer);
  header.set(encoder.encode("OggS"), 0);
  header[4] = 0;
  header[5] = options.headerType;
  view.setBigUint64(6, options.granule, true);
  view.setUint32(14, options.serial, true);
  view.setUint32(18, options.sequence, true);
  view.setUint32(22, 0, true);
  header[26] = segments.length;
  header.set(segments, 27);
  const page = concat([header, ...packet]);
  new DataView(page.buffer).setUint32(22, oggCrc(page), true);
  return page;
}

/** One second of silence as an Ogg Opus voice note (what WhatsApp records: audio/ogg; codecs=opus). */
export function sampleOggOpus(seconds = 1): Uint8Array<ArrayBuffer> {
  const serial = 0x43484f52; // "CHOR"
  const head = new Uint8Array(19);
  head.set(encoder.encode("OpusHead"), 0);
  const hv = new DataView(head.buffer);
  head[8] = 1; // version
  head[9] = 1; // mono
  hv.setUint16(10, 312, true); // pre-skip
  hv.setUint32(12, 48000, true); // input sample rate
  hv.setInt16(16, 0, true); // gain
  head[18] = 0; // mapping family
  const vendor = encoder.encode("chorus-simulator");
  const tags = concat([encoder.encode("OpusTags"), new Uint8Array(new Uint32Array([vendor.length]).buffer), vendor, new Uint8Array(4)]);
  // 20 ms CELT silence frames (TOC 0xf8: CELT-only fullband 20 ms, mono, one frame).
  const frames = Array.from({ length: seconds * 50 }, () => new Uint8Array([0xf8, 0xff, 0xfe]));
  return concat([
    oggPage([head], { headerType: 2, granule: 0n, serial, sequence: 0 }),
    oggPage([tags], { headerType: 0, granule: 0n, serial, sequence: 1 }),
    oggPage(frames, { headerType: 4, granule: BigInt(seconds * 48000 + 312), serial, sequence: 2 }),
  ]);
}

// ---- PDF --------------------------------------------------------------------------------------

/** A one-page PDF saying `text` (ASCII), with a correct cross-reference table. */
export function samplePdf(text = "Chorus simulator: invoice #1001"): Uint8Array<ArrayBuffer> {
  const safe = text.replace(/[^\x20-\x7e]/g, "?").replace(/([()\\])/g, "\\$1");
  const stream = `BT /F1 14 Tf 24 60 Td (${safe}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 120] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return encoder.encode(body) as Uint8Array<ArrayBuffer>;
}

// ---- WebP -------------------------------------------------------------------------------------

/** Writes bits least-significant first, as VP8L reads them. */
class BitWriter {
  private bytes: number[] = [];
  private bit = 0;
  write(value: number, count: number) {
    for (let i = 0; i < count; i++) {
      if (this.bit === 0) this.bytes.push(0);
      const last = this.bytes.length - 1;
      if ((value >>> i) & 1) this.bytes[last] = this.bytes[last]! | (1 << this.bit);
      this.bit = (this.bit + 1) % 8;
    }
  }
  done(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

function u32le(n: number): Uint8Array {
  return new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
}

/**
 * A `size`×`size` single-colour lossless WebP (VP8L). Every prefix code is a "simple" code with one
 * symbol, so each pixel takes zero bits: the whole image is a header and five one-symbol codes.
 */
export function sampleWebp(size = 64, [r, g, b, a]: [number, number, number, number] = [255, 196, 0, 255]): Uint8Array<ArrayBuffer> {
  const w = new BitWriter();
  w.write(0x2f, 8); // VP8L signature
  w.write(size - 1, 14);
  w.write(size - 1, 14);
  w.write(a === 255 ? 0 : 1, 1); // alpha_is_used (a hint)
  w.write(0, 3); // version
  w.write(0, 1); // no transforms
  w.write(0, 1); // no colour cache
  w.write(0, 1); // no meta prefix codes
  // Green, red, blue, alpha, distance: each a simple code of one 8-bit symbol.
  for (const symbol of [g, r, b, a, 0]) {
    w.write(1, 1); // simple code
    w.write(0, 1); // one symbol
    w.write(1, 1); // 8-bit symbol
    w.write(symbol, 8);
  }
  let data = w.done();
  if (data.length % 2) data = concat([data, new Uint8Array(1)]); // RIFF chunks are padded to even sizes
  const chunk = concat([encoder.encode("VP8L"), u32le(w.done().length), data]);
  return concat([encoder.encode("RIFF"), u32le(4 + chunk.length), encoder.encode("WEBP"), chunk]);
}

// ---- MP4 --------------------------------------------------------------------------------------

function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const body = concat(parts);
  return concat([u32be(8 + body.length), encoder.encode(type), body]);
}

function fullBox(type: string, version: number, flags: number, ...parts: Uint8Array[]): Uint8Array {
  return box(type, new Uint8Array([version, (flags >>> 16) & 0xff, (flags >>> 8) & 0xff, flags & 0xff]), ...parts);
}

function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}

function u16be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 8) & 0xff, n & 0xff]);
}

/** The unity matrix of mvhd/tkhd (16.16 and 2.30 fixed point). */
const MATRIX = concat([u32be(0x00010000), u32be(0), u32be(0), u32be(0), u32be(0x00010000), u32be(0), u32be(0), u32be(0), u32be(0x40000000)]);

/**
 * A structurally valid ISO BMFF / MP4 file (ftyp, moov with one `vide` track, mdat) of
 * `width`×`height`, one second long, whose track has no samples. Parsers accept it; there is no
 * picture to decode.
 */
export function sampleMp4(width = 160, height = 90): Uint8Array<ArrayBuffer> {
  const timescale = 1000;
  const duration = 1000;
  const ftyp = box("ftyp", encoder.encode("isom"), u32be(0x200), encoder.encode("isomiso2mp41"));
  const mvhd = fullBox("mvhd", 0, 0, u32be(0), u32be(0), u32be(timescale), u32be(duration), u32be(0x00010000), u16be(0x0100), zeros(10), MATRIX, zeros(24), u32be(2));
  const tkhd = fullBox("tkhd", 0, 3, u32be(0), u32be(0), u32be(1), u32be(0), u32be(duration), zeros(8), u16be(0), u16be(0), u16be(0), u16be(0), MATRIX, u32be(width << 16), u32be(height << 16));
  const mdhd = fullBox("mdhd", 0, 0, u32be(0), u32be(0), u32be(timescale), u32be(duration), u16be(0x55c4 /* "und" */), u16be(0));
  const hdlr = fullBox("hdlr", 0, 0, u32be(0), encoder.encode("vide"), zeros(12), encoder.encode("Chorus simulator\0"));
  const vmhd = fullBox("vmhd", 0, 1, zeros(8));
  const dinf = box("dinf", fullBox("dref", 0, 0, u32be(1), fullBox("url ", 0, 1)));
  const stbl = box(
    "stbl",
    fullBox("stsd", 0, 0, u32be(0)),
    fullBox("stts", 0, 0, u32be(0)),
    fullBox("stsc", 0, 0, u32be(0)),
    fullBox("stsz", 0, 0, u32be(0), u32be(0)),
    fullBox("stco", 0, 0, u32be(0)),
  );
  const trak = box("trak", tkhd, box("mdia", mdhd, hdlr, box("minf", vmhd, dinf, stbl)));
  return concat([ftyp, box("moov", mvhd, trak), box("mdat")]);
}

export interface SampleFile {
  kind: "image" | "audio" | "document" | "sticker" | "video";
  mimeType: string;
  filename: string;
  bytes: () => Uint8Array<ArrayBuffer>;
}

/** The files the simulator page offers, by name. */
export const SAMPLE_FILES: Record<string, SampleFile> = {
  picture: { kind: "image", mimeType: "image/png", filename: "picture.png", bytes: () => samplePng(32) },
  voice: { kind: "audio", mimeType: "audio/ogg", filename: "voice.ogg", bytes: () => sampleOggOpus(1) },
  invoice: { kind: "document", mimeType: "application/pdf", filename: "invoice-1001.pdf", bytes: () => samplePdf() },
  sticker: { kind: "sticker", mimeType: "image/webp", filename: "sticker.webp", bytes: () => sampleWebp(64) },
  clip: { kind: "video", mimeType: "video/mp4", filename: "clip.mp4", bytes: () => sampleMp4() },
};
