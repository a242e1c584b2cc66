import { useRef } from 'react';

const TAPS = 5;
const WINDOW_MS = 3000;

/** Five taps in the top-left corner within 3 s (screens.md): invisible to citizens, never a rating. */
export function TechnicianGesture({ onOpen }: { onOpen: () => void }) {
  const taps = useRef<number[]>([]);
  return (
    <div
      className="tech-corner"
      aria-hidden="true"
      data-testid="technician-corner"
      onPointerDown={(e) => {
        e.stopPropagation();
        const now = performance.now();
        taps.current = [...taps.current.filter((t) => now - t < WINDOW_MS), now];
        if (taps.current.length >= TAPS) {
          taps.current = [];
          onOpen();
        }
      }}
    />
  );
}
