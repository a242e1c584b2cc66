import { useEffect, useState } from 'react';
import { useUi } from './context.js';

/** The terminal's current time, ticking at `everyMs`. */
export function useTerminalNow(everyMs = 250): number {
  const offset = useUi((s) => s.offsetMs);
  const [now, setNow] = useState(() => Date.now() + offset);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() + offset), everyMs);
    return () => clearInterval(t);
  }, [offset, everyMs]);
  return now;
}

export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}
