import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../main/bridge/contract.js';
import { DemoKeypad } from './components/DemoKeypad.js';
import { Header } from './components/Header.js';
import { StatusStrip } from './components/StatusStrip.js';
import { useUi } from './context.js';
import { useBadgeWedge } from './use-badge-wedge.js';
import { useVoice } from './voice.js';
import { DisplaySleep } from './display-sleep.js';
import { FollowUp } from './screens/FollowUp.js';
import { Inviting } from './screens/Inviting.js';
import { ProvincePage } from './screens/ProvincePage.js';
import { Closed, Message, Paused, Serving, Thanks } from './screens/Simple.js';
import { Unprovisioned } from './screens/Unprovisioned.js';
import { PinPad, TechnicianScreens } from './lazy.js';
import { TechnicianGesture } from './technician/TechnicianGesture.js';
import { RegionBoundary } from './components/RegionBoundary.js';

function Screen({ view }: { view: TerminalView }) {
  switch (view.state) {
    case 'inviting':
      if (view.session && view.page?.sessionId === view.session.sessionId) return <ProvincePage key={view.page.url} view={view} page={view.page} />;
      return view.session ? <Inviting key={`${view.session.sessionId}:${view.session.currentItem}`} view={view} session={view.session} /> : null;
    case 'follow-up':
      return view.session ? <FollowUp key={view.session.sessionId} view={view} session={view.session} /> : null;
    case 'thanks':
      return <Thanks />;
    case 'serving':
      return <Serving view={view} />;
    case 'paused':
      return <Paused view={view} />;
    case 'closed':
      return <Closed view={view} />;
    case 'maintenance':
      return view.technician.diagnostics && view.technician.setup ? (
        <TechnicianScreens diagnostics={view.technician.diagnostics} setup={view.technician.setup} />
      ) : (
        <Message kind="maintenance" />
      );
    case 'unprovisioned':
      return <Unprovisioned setup={view.technician.setup} />;
  }
}

/**
 * How long the page stays blank before it says it is connecting. The first view normally arrives well within it; a
 * "connecting" screen drawn first costs a cheap board a whole render and a layout of CJK text (about 0.25 s of half a
 * core, docs/performance.md) only to be replaced at once. A socket that does not answer still gets its message.
 */
const CONNECTING_NOTICE_MS = 1500;

/** True once `ms` have passed, unless `done` came first. */
function useAfter(ms: number, done: boolean): boolean {
  const [passed, setPassed] = useState(false);
  useEffect(() => {
    if (done) return;
    const t = setTimeout(() => setPassed(true), ms);
    return () => clearTimeout(t);
  }, [ms, done]);
  return passed;
}

/** The terminal decides the language (view.locale); the page follows it, and tells assistive technology. */
function useViewLocale(locale: TerminalView['locale'] | undefined) {
  const { i18n } = useTranslation();
  useEffect(() => {
    if (!locale) return;
    document.documentElement.lang = locale;
    if (i18n.language !== locale) void i18n.changeLanguage(locale);
  }, [locale, i18n]);
}

export function App() {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const onBadge = useCallback((badgeId: string) => void send({ type: 'badge', badgeId }), [send]);
  useBadgeWedge(onBadge);
  const view = useUi((s) => s.view);
  const connected = useUi((s) => s.connected);
  const elderly = useUi((s) => s.view?.elderly ?? false);
  const [techPad, setTechPad] = useState(false);
  const slowToConnect = useAfter(CONNECTING_NOTICE_MS, view !== null);
  useViewLocale(view?.locale);
  useVoice(view);
  useEffect(() => {
    document.documentElement.classList.toggle('elderly', elderly);
  }, [elderly]);
  if (!view) {
    return (
      <div className={`app ${elderly ? 'elderly' : ''}`} data-state="connecting">
        {slowToConnect && <Message kind="connecting" />}
      </div>
    );
  }
  return (
    <div className={`app ${elderly ? 'elderly' : ''}`} data-state={view.state} data-connected={connected}>
      <RegionBoundary region="header" resetKey={view.hall} fallback={<header className="header" />}>
        <Header view={view} />
      </RegionBoundary>
      <RegionBoundary region="screen" resetKey={view} fallback={<Message kind="connecting" />}>
        <Screen view={view} />
      </RegionBoundary>
      {view.staff && (
        <RegionBoundary region="status-strip" resetKey={view.staff} fallback={<div className="strip" />}>
          <StatusStrip view={view} />
        </RegionBoundary>
      )}
      {view.keypad?.kind === 'simulated' && <DemoKeypad keypad={view.keypad} />}
      {view.state !== 'maintenance' && view.state !== 'unprovisioned' && <TechnicianGesture onOpen={() => setTechPad(true)} />}
      {view.state !== 'maintenance' && (techPad || view.technician.padRequested) && <PinPad technician={view.technician} onClose={() => setTechPad(false)} />}
      <DisplaySleep view={view} />
      {view.storageFull && (
        <div className="banner storage-full" role="alert">
          {t('notice.storageFull')}
        </div>
      )}
      {view.notice && (
        <div className="toast" role="alert">
          {t('notice.unknownBadge')}
        </div>
      )}
    </div>
  );
}
