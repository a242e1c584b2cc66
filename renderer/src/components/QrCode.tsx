import QRCode from 'qrcode';
import { useMemo } from 'react';

/** The QR code as crisp SVG squares (no canvas, no inline markup), with the quiet zone scanners need. */
export function QrCode({ value, label, size }: { value: string; label: string; size: number }) {
  const path = useMemo(() => {
    const qr = QRCode.create(value, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    let d = '';
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) if (qr.modules.data[y * n + x]) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    }
    return { d, n: n + 8 };
  }, [value]);
  return (
    <svg
      className="qr"
      width={size}
      height={size}
      viewBox={`0 0 ${path.n} ${path.n}`}
      role="img"
      aria-label={label}
      data-qr-value={value}
      shapeRendering="crispEdges"
    >
      <rect width={path.n} height={path.n} fill="#fff" />
      <path d={path.d} fill="#000" />
    </svg>
  );
}
