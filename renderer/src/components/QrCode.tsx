import { memo, useEffect, useMemo } from 'react';
import type { ScreenRegion } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { MIN_MODULE_PX, qrPath } from './qr-path.js';

type Drawn = { value: string; size: number; d: string; n: number };

/**
 * The QR code for `value`, `size` pixels square, grown up to `maxSize` where a longer value needs it for readable
 * modules (a gov-form offline page link is about 390 characters); null when it would be too long to scan even then, or
 * cannot be encoded at all: the caller then leaves out the whole QR box (the citizen rates on the screen), and the
 * technician is told (the diagnostics list). Nothing to draw for an empty value.
 */
export function useQrCode(value: string | null | undefined, size: number, region: ScreenRegion, maxSize = size): Drawn | null {
  const path = useMemo(() => (value ? qrPath(value, maxSize) : null), [value, maxSize]);
  const request = useUi((s) => s.request);
  const unreadable = Boolean(value) && !path;
  const length = value?.length ?? 0;
  useEffect(() => {
    if (unreadable) void request({ type: 'screenProblem', region, problem: 'qr-unreadable', detail: `${String(length)} characters at ${String(maxSize)} px` });
  }, [unreadable, request, region, length, maxSize]);
  return value && path ? { value, size: Math.min(maxSize, Math.max(size, path.n * MIN_MODULE_PX)), ...path } : null;
}

/**
 * A drawn QR code as crisp SVG squares (no canvas, no inline markup), with the quiet zone scanners need. Drawn again only
 * for another code: a tap's renders of the screen around it leave it alone.
 */
export const QrCode = memo(
  function QrCode({ qr, label }: { qr: Drawn; label: string }) {
    return (
      <svg
        className="qr"
        width={qr.size}
        height={qr.size}
        viewBox={`0 0 ${qr.n} ${qr.n}`}
        role="img"
        aria-label={label}
        data-qr-value={qr.value}
        shapeRendering="crispEdges"
      >
        <rect width={qr.n} height={qr.n} fill="#fff" />
        <path d={qr.d} fill="#000" />
      </svg>
    );
  },
  (a, b) => a.label === b.label && a.qr.value === b.qr.value && a.qr.size === b.qr.size && a.qr.d === b.qr.d,
);
