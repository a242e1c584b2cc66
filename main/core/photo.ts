/**
 * A staff photo as the screen may show it: a data: URL whose bytes really are the PNG, JPEG or WebP image it names,
 * at most 256 KiB and 2048 px a side. Every view carries the photo to every screen, so its size is paid on each
 * change; a portrait for a 160 px frame needs far less than the cap.
 */
export const MAX_PHOTO_BYTES = 256 * 1024;
export const MAX_PHOTO_SIDE = 2048;
/** The longest data: URL such a photo makes (base64 is 4 characters for 3 bytes), checked before anything is decoded. */
export const MAX_PHOTO_URL = 40 + Math.ceil(MAX_PHOTO_BYTES / 3) * 4;

const DATA_URL = /^data:image\/(png|jpeg|webp);base64,([A-Za-z0-9+/]*={0,2})$/;

/** Why `url` is not a photo the terminal shows, or null when it is one. */
export function photoProblem(url: string): string | null {
  if (url.length > MAX_PHOTO_URL) return `a photo is at most ${String(MAX_PHOTO_BYTES / 1024)} KiB`;
  const m = DATA_URL.exec(url);
  if (!m?.[1] || m[2] === undefined) return 'a photo is a data: URL of a PNG, JPEG or WebP image (base64)';
  const bytes = Buffer.from(m[2], 'base64');
  if (bytes.length > MAX_PHOTO_BYTES) return `a photo is at most ${String(MAX_PHOTO_BYTES / 1024)} KiB`;
  const size = m[1] === 'png' ? pngSize(bytes) : m[1] === 'jpeg' ? jpegSize(bytes) : webpSize(bytes);
  if (!size) return `the photo's bytes are not a ${m[1].toUpperCase()} image`;
  if (size.width < 1 || size.height < 1 || size.width > MAX_PHOTO_SIDE || size.height > MAX_PHOTO_SIDE) {
    return `a photo is at most ${String(MAX_PHOTO_SIDE)}×${String(MAX_PHOTO_SIDE)} px (this one is ${String(size.width)}×${String(size.height)})`;
  }
  return null;
}

interface Size {
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The IHDR chunk follows the signature in every PNG. */
function pngSize(b: Buffer): Size | null {
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE) || b.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Walks the JPEG's marker segments to its frame header (SOFn), which holds the size. */
function jpegSize(b: Buffer): Size | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1] ?? 0;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return i + 9 <= b.length ? { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) } : null;
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    i += 2 + length;
  }
  return null;
}

/** RIFF/WEBP with a lossy (VP8), lossless (VP8L) or extended (VP8X) first chunk. */
function webpSize(b: Buffer): Size | null {
  if (b.length < 30 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return null;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null;
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return null;
}
