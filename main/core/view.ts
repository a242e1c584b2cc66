import type { TerminalState, TerminalView } from '../bridge/contract.js';
import type { StaffMember, TerminalConfig } from './config.js';
import type { OpenSession } from './invitations.js';
import { minLevel } from './levels.js';
import { followUpOptions } from './policy.js';
import type { Where } from './records.js';

export type Locale = string;
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export interface ViewInput {
  state: TerminalState;
  now: number;
  locale: Locale;
  elderly: boolean;
  voice: TerminalView['voice'];
  config: TerminalConfig;
  where: Where | null;
  staff: StaffMember | null;
  /** Today's figures for the staff member serving. */
  figures: { count: number; satisfied: number } | null;
  session: OpenSession | null;
  canEncryptPhone: boolean;
  sync: { online: boolean; pending: number };
  storageFull: boolean;
  notice: { kind: 'unknown-badge'; until: number } | null;
  keypad: TerminalView['keypad'];
  technician: TerminalView['technician'];
}

/** What the screen shows, derived from the terminal's facts; pure, so every screen can be tested without a terminal. */
export function buildView(i: ViewInput): TerminalView {
  const t = i.config.terminal;
  const s = i.session;
  return {
    state: i.state,
    serverNow: i.now,
    locale: i.locale,
    elderly: i.elderly,
    voice: i.voice,
    display: {
      hallHours: i.config.hallHours ?? null,
      dimAfterMs: i.config.display.dimAfterSeconds * 1000,
      blankAfterMs: i.config.display.blankAfterSeconds * 1000,
    },
    hall: { hallName: t.hallName ?? '', windowName: t.windowName ?? (i.where ? i.where.windowCode : '') },
    staff: i.staff && { staffId: i.staff.staffId, name: i.staff.name, title: i.staff.title, photo: i.staff.photo },
    staticQrUrl: t.staticQrUrl ?? null,
    session: s && {
      sessionId: s.row.sessionId,
      qrUrl: s.row.qrUrl,
      openedAt: s.row.openedAt,
      expiresAt: s.row.expiresAt,
      mode: s.choosingMode ? 'choose' : s.row.mode,
      items: s.row.items.map((it) => ({ taskName: it.taskName, deptName: it.deptName })),
      currentItem: s.currentItem,
      chosen: s.chosen.length ? minLevel(s.chosen) : null,
      followUp:
        s.phase === 'follow-up' && s.followUpExpiresAt !== null
          ? { expiresAt: s.followUpExpiresAt, ...followUpOptions(i.config, s.chosen, i.canEncryptPhone) }
          : null,
    },
    scale: i.config.rating.scale,
    stats: i.figures && { todayCount: i.figures.count, satisfiedRate: i.figures.count ? i.figures.satisfied / i.figures.count : null },
    sync: i.sync,
    storageFull: i.storageFull,
    notice: i.notice && i.notice.until > i.now ? i.notice : null,
    keypad: i.keypad,
    technician: i.technician,
  };
}
