import { useEffect, useRef, useState } from 'react';
import type { TerminalView } from '../../main/bridge/contract.js';
import { hallOpen } from '../../main/bridge/hall-hours.js';
import { useUiStore } from './context.js';

type Display = 'awake' | 'dim' | 'blank';

/** Whether the screen may sleep now: closed, or serving/paused outside the hall hours; never during an invitation. */
function maySleep(view: TerminalView, now: number): boolean {
  if (view.state === 'closed') return true;
  return (view.state === 'serving' || view.state === 'paused') && !hallOpen(now, view.display.hallHours ?? undefined);
}

/**
 * Burn-in protection and wake (screens.md): an idle screen that may sleep dims, then blanks. The first touch or key
 * only wakes it: the touch lands on this overlay, never on what is under it, and the key is swallowed. A new state
 * (an invitation above all) wakes it at once.
 */
export function DisplaySleep({ view }: { view: TerminalView }) {
  const store = useUiStore();
  const [display, setDisplay] = useState<Display>('awake');
  const idleSince = useRef(0);
  const asleep = useRef(false);
  const page = useRef('');
  // The tick reads the latest view: listeners and timer are set once, not again for every view the terminal pushes
  // (each one re-armed them, work a tap paid for at half a core).
  const latest = useRef(view);
  useEffect(() => {
    latest.current = view;
  }, [view]);
  useEffect(() => {
    asleep.current = display !== 'awake';
  }, [display]);

  useEffect(() => {
    const activity = (e: Event) => {
      idleSince.current = Date.now();
      if (!asleep.current) return;
      e.preventDefault();
      e.stopPropagation();
      setDisplay('awake');
    };
    window.addEventListener('keydown', activity, true);
    window.addEventListener('pointerdown', activity, true);
    const tick = () => {
      const view = latest.current;
      // A new state or invitation counts as activity: the screen shows something new.
      const shown = `${view.state}:${view.session?.sessionId ?? ''}`;
      if (shown !== page.current || idleSince.current === 0) {
        page.current = shown;
        idleSince.current = Date.now();
      }
      const idle = Date.now() - idleSince.current;
      const next: Display = !maySleep(view, Date.now() + store.getState().offsetMs)
        ? 'awake'
        : idle >= view.display.blankAfterMs
          ? 'blank'
          : idle >= view.display.dimAfterMs
            ? 'dim'
            : 'awake';
      setDisplay((d) => (d === next ? d : next));
    };
    const timer = setInterval(tick, 500);
    return () => {
      window.removeEventListener('keydown', activity, true);
      window.removeEventListener('pointerdown', activity, true);
      clearInterval(timer);
    };
  }, [store]);

  // An invitation, a follow-up or Thanks is never dimmed, not even for the half second before the next tick.
  if (display === 'awake' || !['closed', 'serving', 'paused'].includes(view.state)) return null;
  return <div className={`sleep-overlay ${display}`} data-testid="display-sleep" data-display={display} aria-hidden="true" />;
}
