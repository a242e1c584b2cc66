import { memo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { Face } from '../components/Face.js';
import { Phrases } from '../components/Phrases.js';
import { QrCode, useQrCode } from '../components/QrCode.js';
import { RegionBoundary } from '../components/RegionBoundary.js';
import { StaffCard } from '../components/StaffCard.js';
import { useUi } from '../context.js';
import { secondsLeft, useTerminalNow } from '../hooks.js';
import { speak } from '../voice.js';

const LEVELS = [5, 4, 3, 2, 1] as const;

declare module 'react' {
  interface CSSProperties {
    /** A level label's length, so that CSS can size it to stay on one line in its button (styles.css). */
    '--chars'?: number;
  }
}

export function Inviting({ view, session }: { view: TerminalView; session: NonNullable<TerminalView['session']> }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const busy = useUi((s) => s.busy);
  const error = useUi((s) => s.error);
  const elderly = view.elderly;
  const item = session.items[session.currentItem];
  const qr = useQrCode(session.qrUrl, elderly ? 150 : 132, 'invite-qr', elderly ? 200 : 180);
  // The pressed button answers the finger at once (pointer-down, this frame), before the terminal does; Thanks comes
  // only with the terminal's view, after the rating is committed. A failed choice lets go of it.
  const [pressed, setPressed] = useState<number | null>(null);
  const sent = useRef(false);
  /** The level a finger went down on, until it lifts or the touch is cancelled. */
  const touched = useRef<(typeof LEVELS)[number] | null>(null);
  const choose = (level: (typeof LEVELS)[number]) => {
    if (sent.current) return;
    sent.current = true;
    setPressed(level);
    // The level's name, said as it is pressed; the choice goes at once, never waiting for the voice.
    speak(view, `level-${view.scale}-${level}`);
    void send({ type: 'choose', sessionId: session.sessionId, item: session.currentItem, level }).then((r) => {
      if (r.ok) return;
      sent.current = false;
      setPressed(null);
    });
  };
  if (session.mode === 'choose') return <ChooseMode session={session} />;

  return (
    <main className="screen inviting">
      <RegionBoundary region="invite-head" resetKey={session} fallback={<InviteTitle view={view} />}>
        <div className="invite-head">
          <InviteTitle view={view} />
          {item && (
            <p className="invite-item">
              <Phrases
                locale={view.locale}
                text={
                  session.mode === 'per-item'
                    ? t('inviting.itemOf', {
                        n: session.currentItem + 1,
                        total: session.items.length,
                        name: item.deptName ? `${item.taskName}（${item.deptName}）` : item.taskName,
                      })
                    : t('inviting.item', { name: session.items.map((i) => i.taskName).join('、') })
                }
              />
            </p>
          )}
        </div>
      </RegionBoundary>
      <div className="levels" role="group" aria-label={t('inviting.title')}>
        {LEVELS.map((level) => (
          <button
            key={level}
            type="button"
            className={`level level-${level}${pressed === level ? ' pressed' : ''}`}
            disabled={busy}
            onPointerDown={(e) => {
              if (busy) return;
              setPressed(level);
              touched.current = e.isPrimary && e.pointerType !== 'mouse' ? level : null;
            }}
            onPointerUp={(e) => {
              // A finger's lift is the choice: sent now, not after Chromium's gesture detector has turned it into a
              // click, a round trip through the browser process (at half a core 11 ms at the median and up to 45 ms
              // later, docs/performance.md). A finger slid off the button is left to the gesture detector, which
              // makes a slide no click.
              if (touched.current !== level || !e.isPrimary) return;
              touched.current = null;
              const box = e.currentTarget.getBoundingClientRect();
              const inside = e.clientX >= box.left && e.clientX <= box.right && e.clientY >= box.top && e.clientY <= box.bottom;
              if (inside && !busy) choose(level);
              else if (!sent.current) setPressed(null);
            }}
            onPointerCancel={() => {
              touched.current = null;
              if (!sent.current) setPressed(null);
            }}
            onPointerLeave={(e) => {
              // A mouse dragged off before letting go chose nothing (a finger's leave comes with its lift, after it).
              if (e.pointerType === 'mouse' && !sent.current) setPressed(null);
            }}
            // A mouse, a keyboard or a screen reader; after a finger's lift the choice has already gone.
            onClick={() => choose(level)}
          >
            <Face level={level} />
            <LevelLabel text={t(`levels.${view.scale}.${level}`)} />
          </button>
        ))}
      </div>
      {error && error !== 'BUSY' && (
        <p className="invite-error" role="alert">
          {t('inviting.failed')}
        </p>
      )}
      <div className="invite-foot">
        {view.staff && (
          <RegionBoundary region="staff-card" resetKey={view.staff}>
            <StaffCard staff={view.staff} compact />
          </RegionBoundary>
        )}
        <Countdown openedAt={session.openedAt} expiresAt={session.expiresAt} />
        {qr && (
          <div className="qr-box">
            <QrCode qr={qr} label={t('inviting.scan')} />
            <div>
              <div className="qr-title">{t('inviting.scan')}</div>
              <div className="qr-hint">
                <Phrases text={t('inviting.scanHint')} locale={view.locale} />
              </div>
            </div>
          </div>
        )}
      </div>
    </main>
  );
}

function InviteTitle({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  return (
    <h1 className="invite-title">
      <Phrases text={t('inviting.title')} locale={view.locale} />
    </h1>
  );
}

const LevelLabel = memo(function LevelLabel({ text }: { text: string }) {
  return (
    <span className="level-label" style={{ '--chars': text.length }}>
      {text}
    </span>
  );
});

/**
 * The time left, ticking on its own: only this re-renders four times a second, not the levels, the staff card and the
 * QR code around it (issue 18). The ring steps once a second, without a transition that would repaint every frame. Nor
 * does the page around it re-render it: a tap's pressed level and the dimmed others leave it as it is.
 */
export const Countdown = memo(function Countdown({ openedAt, expiresAt }: { openedAt: number; expiresAt: number }) {
  const { t } = useTranslation();
  const now = useTerminalNow();
  const left = secondsLeft(expiresAt, now);
  const total = Math.max(1, Math.round((expiresAt - openedAt) / 1000));
  return (
    <div className="countdown" role="timer" aria-label={`${t('inviting.countdownLabel')} ${t('inviting.countdown', { s: left })}`}>
      <svg viewBox="0 0 44 44" aria-hidden="true">
        <circle cx="22" cy="22" r="19" className="countdown-track" />
        <circle cx="22" cy="22" r="19" className="countdown-bar" strokeDasharray={`${(left / total) * 119.4} 119.4`} />
      </svg>
      <span className="countdown-text">{t('inviting.countdown', { s: left })}</span>
    </div>
  );
});

/** 三明 (评价人可选择): several departments' items, and the citizen decides to rate them once for all or one by one. */
function ChooseMode({ session }: { session: NonNullable<TerminalView['session']> }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const busy = useUi((s) => s.busy);
  const choose = (mode: 'combined' | 'per-item') => void send({ type: 'chooseMode', sessionId: session.sessionId, mode });
  return (
    <main className="screen inviting choose-mode">
      <div className="invite-head">
        <h1 className="invite-title">{t('inviting.chooseTitle')}</h1>
        <p className="invite-item">
          {t('inviting.chooseItems', { count: session.items.length, names: session.items.map((i) => i.deptName ?? i.taskName).join('、') })}
        </p>
      </div>
      <div className="mode-choices">
        <button type="button" className="mode-choice" disabled={busy} onClick={() => choose('combined')}>
          <span className="mode-name">{t('inviting.combined')}</span>
          <span className="mode-hint">{t('inviting.combinedHint')}</span>
        </button>
        <button type="button" className="mode-choice" disabled={busy} onClick={() => choose('per-item')}>
          <span className="mode-name">{t('inviting.perItem')}</span>
          <span className="mode-hint">{t('inviting.perItemHint', { count: session.items.length })}</span>
        </button>
      </div>
    </main>
  );
}
