import { useMemo } from 'react';
import { qrPath } from './qr-path.js';

/** The QR code as crisp SVG squares (no canvas, no inline markup), with the quiet zone scanners need. */
export function QrCode({ value, label, size }: { value: string; label: string; size: number }) {
  const path = useMemo(() => qrPath(value), [value]);
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
