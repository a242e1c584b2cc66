import { useEffect } from 'react';
import { WedgeDetector } from './badge-wedge.js';

type Field = HTMLInputElement | HTMLTextAreaElement;

function isField(t: EventTarget | null): t is Field {
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement;
}

/** Sets a React-controlled field's value the way typing does, so React's state follows. */
function setFieldValue(el: Field, value: string): void {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(el, value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

/**
 * Listens for keyboard-emulating badge readers anywhere on the page. Keystrokes pass through untouched (a person
 * typing never loses a key); when a burst turns out to be a scan, its Enter is swallowed and whatever it typed
 * into a field is taken back out.
 */
export function useBadgeWedge(onBadge: (badgeId: string) => void): void {
  useEffect(() => {
    const detector = new WedgeDetector();
    let before: { el: Field; value: string } | null = null;
    const onKey = (e: KeyboardEvent) => {
      if (!detector.inBurst) before = isField(e.target) ? { el: e.target, value: e.target.value } : null;
      const badge = detector.key(e.key, e.timeStamp);
      if (!badge) return;
      e.preventDefault();
      e.stopPropagation();
      if (before) setFieldValue(before.el, before.value);
      before = null;
      onBadge(badge);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onBadge]);
}
