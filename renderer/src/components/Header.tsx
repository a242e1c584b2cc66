import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { CST_OFFSET_MS } from '../../../main/bridge/formats.js';
import { useUi } from '../context.js';
import { useTerminalNow } from '../hooks.js';

function clock(ms: number): { time: string; date: string } {
  const d = new Date(ms + CST_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  const week = '日一二三四五六'[d.getUTCDay()];
  return { time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`, date: `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 星期${week}` };
}

export function Header({ view }: { view: TerminalView }) {
  const { t } = useTranslation();
  const now = useTerminalNow(1000);
  const elderly = useUi((s) => s.elderly);
  const toggle = useUi((s) => s.toggleElderly);
  const c = clock(now);
  return (
    <header className="header">
      <div className="header-where">
        <span className="emblem" aria-hidden="true" />
        <div>
          <div className="hall">{view.hall.hallName}</div>
          <div className="window">{view.hall.windowName}</div>
        </div>
      </div>
      <div className="header-right">
        <button type="button" className="elderly-toggle" aria-pressed={elderly} onClick={toggle}>
          {elderly ? t('header.elderlyOn') : t('header.elderly')}
        </button>
        <div className="clock" aria-label={`${c.date} ${c.time}`}>
          <div className="clock-time">{c.time}</div>
          <div className="clock-date">{c.date}</div>
        </div>
      </div>
    </header>
  );
}
