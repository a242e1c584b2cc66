import { CitizenPrefs } from './citizen-prefs.js';
import type { TerminalConfig } from './config.js';
import type { TerminalEvent } from './events.js';
import { FiguresCache } from './figures-cache.js';
import { Invitations } from './invitations.js';
import { TimedNotice } from './notice.js';
import { PageOutcomes } from './page-outcomes.js';
import type { TerminalPorts } from './ports.js';
import { RatingBook } from './ratings.js';
import { ShiftControl } from './shift-control.js';
import { StaffDesk } from './staff.js';
import { StorageGuard } from './storage-guard.js';
import { TechnicianDesk } from './technician.js';

export interface TerminalParts {
  prefs: CitizenPrefs;
  figures: FiguresCache;
  notice: TimedNotice;
  staff: StaffDesk;
  storage: StorageGuard;
  book: RatingBook;
  invitations: Invitations;
  pageMode: PageOutcomes;
  shifts: ShiftControl;
  tech: TechnicianDesk;
}

/** What the parts need of the Terminal facade: its configuration (applyConfig replaces it), and its way to publish. */
export interface PartsFacade {
  config: () => TerminalConfig;
  emit(e: TerminalEvent): void;
  changed(): void;
}

/**
 * Builds the terminal's parts and wires how each one's news reaches the others: a stored choice lights the keypad and
 * wakes the uploader, a citizen's end resets their choices and carries out a staff action that waited for them, a
 * technician's entry ends the open invitation. Apart from the Terminal facade, so that the facade reads as its commands.
 */
export function assembleParts(ports: TerminalPorts, facade: PartsFacade): TerminalParts {
  const prefs = new CitizenPrefs();
  const figures = new FiguresCache(ports.repo);
  const notice = new TimedNotice(ports.clock, () => facade.changed());
  const staff = new StaffDesk(ports.shifts, { pinHashes: ports.staffPinHashes ?? {}, verifyPin: ports.verifyPin, now: () => ports.clock.now() });
  const storage = new StorageGuard(ports.storage, ports.clock, ports.log, () => facade.changed());
  const book = new RatingBook(ports.repo, ports.clock, ports.identity, ports.where, ports.log, (err) => storage.writeFailed(err));
  const invitations = new Invitations({
    repo: ports.repo,
    book,
    clock: ports.clock,
    links: ports.links,
    config: () => facade.config(),
    timeoutFactor: () => prefs.timeoutFactor,
    log: ports.log,
    hooks: {
      event: (e) => facade.emit(e),
      changed: () => facade.changed(),
      confirmed: (level) => {
        figures.forget();
        ports.keypad?.confirmChoice(level);
      },
      queued: () => ports.sync?.notify(),
      ended: () => {
        const reset = prefs.reset();
        if (!shifts.carryOutWaiting() && reset) facade.changed();
      },
    },
  });
  const pageMode = new PageOutcomes({ invitations, forgetFigures: () => figures.forget(), changed: () => facade.changed() });
  const shifts = new ShiftControl({ staff, invitations, log: ports.log, emit: (e) => facade.emit(e) });
  const tech = TechnicianDesk.fromPorts(ports, (active, reason) => {
    // An invitation cannot outlive the window being serviced: it ends cancelled.
    if (active) invitations.closeOpen('byMaintenance');
    facade.emit(active ? { type: 'maintenance.start' } : { type: 'maintenance.end', reason });
  });
  return { prefs, figures, notice, staff, storage, book, invitations, pageMode, shifts, tech };
}
