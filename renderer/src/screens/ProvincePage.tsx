import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageView, TerminalView } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { Countdown } from './Inviting.js';

/**
 * Page mode (province-page.md): the province's evaluation page in a sandboxed frame, with the way back to the
 * terminal's own five buttons. The frame gets scripts and forms of its own origin and nothing else: no pop-ups, no
 * top navigation, no permissions; the kiosk page's CSP holds its navigations to the page's origin and the terminal's
 * own (returnUrl). A navigation the CSP refuses closes the page (the terminal is told, for the technician). Under
 * Electron the page is a WebContentsView of its own laid over this frame's place (main/electron/page-view.ts).
 */
export function ProvincePage({ view, page }: { view: TerminalView; page: PageView }) {
  const { t } = useTranslation();
  // Reports, not presses: they neither wait for nor block one (a press in flight must not swallow `pageLoaded`).
  const request = useUi((s) => s.request);
  const sessionId = page.sessionId;
  useEffect(() => {
    const refused = (e: SecurityPolicyViolationEvent) => {
      if (e.effectiveDirective !== 'frame-src' && e.effectiveDirective !== 'child-src') return;
      void request({ type: 'pageLeft', sessionId, blocked: e.blockedURI.slice(0, 200) });
    };
    document.addEventListener('securitypolicyviolation', refused);
    return () => document.removeEventListener('securitypolicyviolation', refused);
  }, [sessionId, request]);
  const electron = typeof window.hcp !== 'undefined';
  return (
    <main className="screen province-page" data-elderly={view.elderly}>
      {electron ? (
        <PagePlace sessionId={sessionId} origin={page.origin} />
      ) : (
        <iframe
          key={page.url}
          className="page-frame"
          title={t('page.title')}
          src={page.url}
          sandbox="allow-scripts allow-forms allow-same-origin"
          referrerPolicy="no-referrer"
          allow=""
          onLoad={() => void request({ type: 'pageLoaded', sessionId })}
        />
      )}
    </main>
  );
}

/** The header's part in page mode: the time left, and the way back to the terminal's own five buttons. */
export function PageHeaderBar({ session, page }: { session: NonNullable<TerminalView['session']>; page: PageView }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const busy = useUi((s) => s.busy);
  return (
    <div className="page-bar">
      <Countdown openedAt={session.openedAt} expiresAt={session.expiresAt} />
      <button type="button" className="page-rate-here" disabled={busy} onClick={() => void send({ type: 'pageRateHere', sessionId: page.sessionId })}>
        {t('page.rateHere')}
      </button>
    </div>
  );
}

/** Under Electron: the place the page's own view is laid over, told to the shell whenever it moves or changes size. */
function PagePlace({ sessionId, origin }: { sessionId: string; origin: string }) {
  const request = useUi((s) => s.request);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const tell = () => {
      const r = el.getBoundingClientRect();
      const rect = { x: Math.round(r.left), y: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) };
      void request({ type: 'pageFrame', sessionId, ...rect });
    };
    const observer = new ResizeObserver(tell);
    observer.observe(el);
    window.addEventListener('resize', tell);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', tell);
    };
  }, [sessionId, request]);
  return <div ref={ref} className="page-frame" data-page-origin={origin} />;
}
