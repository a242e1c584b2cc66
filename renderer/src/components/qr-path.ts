import QRCode from 'qrcode';

/**
 * The smallest module a phone still reads off the kiosk's glass at arm's length, in CSS pixels. A long URL drawn into
 * a fixed box shrinks its modules: a 3,000-character one is about one pixel a module, a code nobody can scan.
 */
export const MIN_MODULE_PX = 2;

/**
 * A QR code as one SVG path of unit squares, with the quiet zone scanners need (4 modules each side); `size` is the
 * largest box it may be drawn in. Medium error correction where its modules stay readable at that size, else low;
 * null when even low correction leaves them too small, or the value cannot be encoded at all (the caller shows its
 * fallback).
 */
export function qrPath(value: string, size = Infinity): { d: string; n: number } | null {
  for (const errorCorrectionLevel of ['M', 'L'] as const) {
    let modules: { size: number; data: Uint8Array };
    try {
      modules = QRCode.create(value, { errorCorrectionLevel }).modules;
    } catch {
      return null;
    }
    const n = modules.size;
    if (size / (n + 8) < MIN_MODULE_PX) continue;
    let d = '';
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) if (modules.data[y * n + x]) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    }
    return { d, n: n + 8 };
  }
  return null;
}
