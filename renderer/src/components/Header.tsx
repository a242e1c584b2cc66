import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { useTerminalNow } from '../hooks.js';
import { LANGUAGES } from '../i18n.js';
import { PageHeaderBar } from '../screens/ProvincePage.js';

/**
 * The hall's clock in China Standard Time, worded in the citizen's language by Intl. The formatters are made once per
 * language instead of twice a second: making one looks up and loads ICU's locale data.
 */
const formatters = new Map<string, { time: Intl.DateTimeFormat; date: Intl.DateTimeFormat }>();
function clock(ms: number, locale: string): { time: string; date: string } {
  let f = formatters.get(locale);
  if (!f) {
    const zone = { timeZone: 'Asia/Shanghai' } as const;
    f = {
      time: new Intl.DateTimeFormat(locale, { ...zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      date: new Intl.DateTimeFormat(locale, { ...zone, year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }),
    };
    formatters.set(locale, f);
  }
  return { time: f.time.format(ms), date: f.date.format(ms) };
}

function HeaderBar({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  const now = useTerminalNow(1000);
  const send = useUi((s) => s.send);
  const [choosing, setChoosing] = useState(false);
  const c = clock(now, view.locale);
  const pageShown = shownPage(view);
  return (
    <header className={pageShown ? 'header with-page' : 'header'}>
      <div className="header-where">
        <span className="emblem" aria-hidden="true" />
        <div>
          <div className="hall">{view.hall.hallName}</div>
          <div className="window">{view.hall.windowName}</div>
        </div>
      </div>
      {pageShown && <PageHeaderBar session={pageShown.session} page={pageShown.page} />}
      <div className="header-right">
        <div className="language">
          {/* Named in both scripts: whoever cannot read Chinese still finds it. */}
          <button type="button" className="header-toggle" aria-expanded={choosing} onClick={() => setChoosing((o) => !o)}>
            <svg className="globe" viewBox="0 0 24 24" aria-hidden="true">
              <circle cx="12" cy="12" r="9.5" />
              <path d="M2.5 12h19M12 2.5c3 3.2 3 15.8 0 19M12 2.5c-3 3.2-3 15.8 0 19" />
            </svg>
            {t('header.language')}
          </button>
          {choosing && (
            <div className="language-menu" role="group" aria-label={t('header.language')}>
              {LANGUAGES.map((l) => (
                <button
                  key={l.tag}
                  type="button"
                  lang={l.tag}
                  aria-pressed={l.tag === view.locale}
                  onClick={() => {
                    setChoosing(false);
                    void send({ type: 'setLocale', locale: l.tag });
                  }}
                >
                  {l.name}
                </button>
              ))}
            </div>
          )}
        </div>
        <button type="button" className="header-toggle" aria-pressed={view.elderly} onClick={() => void send({ type: 'setElderly', on: !view.elderly })}>
          {view.elderly ? t('header.elderlyOn') : t('header.elderly')}
        </button>
        <div className="clock" aria-label={`${c.date} ${c.time}`}>
          <div className="clock-time">{c.time}</div>
          <div className="clock-date">{c.date}</div>
        </div>
      </div>
    </header>
  );
}

/** The province's page on screen, whose bar the header carries: its session and page, or null. */
function shownPage(view: TerminalView) {
  return view.state === 'inviting' && view.session && view.page?.sessionId === view.session.sessionId ? { session: view.session, page: view.page } : null;
}

/** What of a shown page the header's bar draws: its countdown and the page's session. */
function pageKey(view: TerminalView): string {
  const p = shownPage(view);
  return p ? `${p.page.sessionId}:${String(p.session.openedAt)}:${String(p.session.expiresAt)}` : '';
}

/**
 * Every view the terminal pushes (a tap's Thanks among them) re-rendered the header; it redraws only when what it
 * shows changed. Its clock ticks on its own (useTerminalNow).
 */
export const Header = memo(
  HeaderBar,
  (a, b) =>
    a.view.hall.hallName === b.view.hall.hallName &&
    a.view.hall.windowName === b.view.hall.windowName &&
    a.view.locale === b.view.locale &&
    a.view.elderly === b.view.elderly &&
    pageKey(a.view) === pageKey(b.view),
);
