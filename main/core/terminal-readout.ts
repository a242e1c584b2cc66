import type { TerminalState, TerminalView } from '../bridge/contract.js';
import type { CitizenPrefs } from './citizen-prefs.js';
import { startOfCstDay } from './clock.js';
import type { TerminalConfig } from './config.js';
import { Emitter, type StaffSummary, type SyncStatus, type TerminalEvent } from './events.js';
import type { FiguresCache } from './figures-cache.js';
import { countInvitations } from './invitation-counts.js';
import type { Invitations } from './invitations.js';
import type { TimedNotice } from './notice.js';
import type { PageOutcomes } from './page-outcomes.js';
import type { TerminalPorts } from './ports.js';
import { answerOf, type TerminalStatus } from './session.js';
import { summary, type StaffDesk } from './staff.js';
import { deriveState } from './state.js';
import type { StorageGuard } from './storage-guard.js';
import type { TechnicianDesk } from './technician.js';
import { buildView } from './view.js';

/** The terminal's parts the readout reads; the Terminal facade owns them. */
export interface ReadoutParts {
  ports: TerminalPorts;
  config: () => TerminalConfig;
  staff: StaffDesk;
  invitations: Invitations;
  tech: TechnicianDesk;
  prefs: CitizenPrefs;
  figures: FiguresCache;
  storage: StorageGuard;
  notice: TimedNotice;
  pageMode: PageOutcomes;
}

/**
 * What the terminal shows and tells: its state, the status the business system and the heartbeat read, the view the
 * screen and keypad render, and the events and views published to their listeners. Apart from the Terminal facade,
 * whose job is the commands: this reads the parts and changes none of them.
 */
export class TerminalReadout {
  private readonly events = new Emitter<TerminalEvent>();
  private readonly changes = new Emitter<TerminalView>();
  private lastState: TerminalState | null = null;

  constructor(private readonly p: ReadoutParts) {}

  state(): TerminalState {
    return deriveState({
      provisioned: this.p.ports.where !== null,
      maintenance: this.p.tech.inside,
      staff: this.p.staff.current !== null,
      paused: this.p.staff.paused,
      session: this.p.invitations.session?.phase ?? null,
      thanks: this.p.invitations.thanking,
    });
  }

  currentStaff(): StaffSummary | null {
    return this.p.staff.current && summary(this.p.staff.current);
  }

  syncStatus(): SyncStatus {
    return this.p.ports.sync?.status() ?? { pending: 0, deadLetter: 0, lastUploadAt: null, lastError: null, online: false };
  }

  status(): TerminalStatus {
    const s = this.p.invitations.session;
    const today = startOfCstDay(this.p.ports.clock.now());
    const stored = s && this.p.ports.repo.session(s.row.sessionId);
    return {
      state: this.state(),
      staff: this.currentStaff(),
      session: s ? { ...answerOf(stored ?? s.row), expiresAt: new Date(s.row.expiresAt).toISOString() } : null,
      devices: this.p.ports.devices?.status() ?? {},
      sync: this.syncStatus(),
      // Today's invitations by how they ended, for the business system and the heartbeat (不得干扰评价).
      invitations: countInvitations(this.p.ports.repo.invitationEnds(today), today),
      storage: this.p.storage.status(),
    };
  }

  view(): TerminalView {
    const now = this.p.ports.clock.now();
    const member = this.p.staff.current;
    const sync = this.syncStatus();
    const view = buildView({
      state: this.state(),
      now,
      locale: this.p.prefs.locale,
      elderly: this.p.prefs.elderly,
      voice: this.p.ports.voice ?? 'on',
      config: this.p.config(),
      where: this.p.ports.where,
      staff: member,
      figures: member && this.p.figures.get(member.staffId, now),
      session: this.p.invitations.session,
      canEncryptPhone: this.p.ports.identity.canEncryptForProvince,
      sync: { online: sync.online, pending: sync.pending },
      storageFull: this.p.storage.full,
      notice: this.p.notice.current,
      keypad: this.p.ports.devices?.keypadSummary() ?? null,
      technician: this.p.tech.view(this.p.ports, this.p.ports.where !== null),
    });
    return this.p.pageMode.withPage(view);
  }

  onEvent(listener: (e: TerminalEvent) => void): () => void {
    return this.events.on(listener);
  }

  onView(listener: (v: TerminalView) => void): () => void {
    return this.changes.on(listener);
  }

  emit(e: TerminalEvent): void {
    this.events.emit(e, (err) => this.p.ports.log.error({ err }, 'event listener failed'));
    // A rating's screen changes with what follows it (next page, follow-up, Thanks), refreshed there. Device and
    // sync changes refresh it too: the status strip and diagnostics show them.
    if (e.type !== 'session.rated') this.changed();
  }

  changed(): void {
    const view = this.view();
    if (view.state !== this.lastState) {
      this.lastState = view.state;
      this.events.emit({ type: 'state', state: view.state }, (err) => this.p.ports.log.error({ err }, 'event listener failed'));
    }
    this.p.ports.keypad?.showState(view);
    this.changes.emit(view, (err) => this.p.ports.log.error({ err }, 'view listener failed'));
  }
}
