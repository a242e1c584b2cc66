import { useEffect, useState } from 'react';
import { useUiStore } from './context.js';

/**
 * The terminal's current time, ticking at `everyMs`. The offset is read at each tick, not subscribed to: every view
 * the terminal pushes carries a new offset (a few ms apart), and re-rendering and re-arming the timer on each one cost
 * a tap its share of half a core and, with views coming faster than `everyMs`, kept the clock from ticking at all.
 */
export function useTerminalNow(everyMs = 250): number {
  const store = useUiStore();
  const [now, setNow] = useState(() => Date.now() + store.getState().offsetMs);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() + store.getState().offsetMs), everyMs);
    return () => clearInterval(t);
  }, [store, everyMs]);
  return now;
}

export function secondsLeft(until: number, now: number): number {
  return Math.max(0, Math.ceil((until - now) / 1000));
}
