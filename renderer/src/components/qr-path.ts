import QRCode from 'qrcode';

/** A QR code as one SVG path of unit squares, with the quiet zone scanners need (4 modules each side). */
export function qrPath(value: string): { d: string; n: number } {
  const qr = QRCode.create(value, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) if (qr.modules.data[y * n + x]) d += `M${x + 4} ${y + 4}h1v1h-1z`;
  }
  return { d, n: n + 8 };
}
