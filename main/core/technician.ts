import type { Cancel, Clock } from './clock.js';
import { CommandError } from './errors.js';
import type { Diagnostics, TerminalView } from '../bridge/contract.js';
import type { TechnicianSetup } from '../bridge/technician.js';
import type { AuditLog, TechnicianLock, TechnicianLockStore, TerminalPorts } from './ports.js';

/** Wrong technician PINs in a row before entry locks, and for how long; the lock survives a restart. */
export const TECH_ATTEMPTS = 5;
export const TECH_LOCK_MS = 5 * 60_000;
/** Technician mode ends by itself after this long without a touch. */
export const TECH_IDLE_MS = 5 * 60_000;
/** How long a technician badge keeps the PIN pad asked for. */
const PAD_REQUEST_MS = 30_000;

export interface TechnicianDeps {
  pinHash: string | null;
  /** Badges that ask for the PIN pad. */
  badgeIds: readonly string[];
  verifyPin: ((pin: string, hash: string) => Promise<boolean>) | undefined;
  /** Where the lockout is kept across restarts; in memory where none is given (tests). */
  locks: TechnicianLockStore | undefined;
  audit: AuditLog;
  clock: Clock;
  /** Technician mode began or ended (the terminal enters or leaves maintenance). */
  onChange: (active: boolean, reason: string) => void;
}

/** Who may service the terminal at the window: PIN entry with a lockout that outlives restarts, and an idle exit. */
export class TechnicianDesk {
  private active = false;
  private idle: Cancel | null = null;
  /** A technician badge asked for the PIN pad, until then. */
  private padUntil = 0;
  private readonly locks: TechnicianLockStore;

  constructor(private readonly d: TechnicianDeps) {
    this.locks = d.locks ?? memoryLocks();
  }

  /** The desk as the terminal's ports describe it. */
  static fromPorts(ports: TerminalPorts, onChange: TechnicianDeps['onChange']): TechnicianDesk {
    const t = ports.technician;
    const audit = ports.audit ?? { record: () => undefined };
    return new TechnicianDesk({
      pinHash: t?.pinHash ?? null,
      verifyPin: ports.verifyPin,
      badgeIds: t?.badgeIds ?? [],
      locks: t?.locks,
      audit,
      clock: ports.clock,
      onChange,
    });
  }

  /** A technician badge outside technician mode asks for the PIN pad (and is no staff login). */
  requestPadFor(badgeId: string): boolean {
    if (this.active || !this.d.badgeIds.some((b) => b.toUpperCase() === badgeId.toUpperCase())) return false;
    this.padUntil = this.d.clock.now() + PAD_REQUEST_MS;
    return true;
  }

  /** The screen's part: the PIN pad asked for, the lockout, and while inside (or unprovisioned: USB) the technician screens. */
  view(
    screens: { diagnostics?: (() => Diagnostics) | undefined; setup?: (() => TechnicianSetup) | undefined },
    provisioned: boolean,
  ): TerminalView['technician'] {
    return {
      padRequested: this.padUntil > this.d.clock.now(),
      lockedUntil: this.lockedUntil(),
      diagnostics: this.active ? (screens.diagnostics?.() ?? null) : null,
      // An unprovisioned terminal shows its USB drives: first provisioning needs no PIN (there is none yet).
      setup: this.active || !provisioned ? (screens.setup?.() ?? null) : null,
    };
  }

  get inside(): boolean {
    return this.active;
  }

  /** When entry is locked, until when; else null. */
  lockedUntil(): number | null {
    const l = this.locks.load();
    return l && l.lockedUntil > this.d.clock.now() ? l.lockedUntil : null;
  }

  async enter(pin: string): Promise<void> {
    const until = this.lockedUntil();
    if (until !== null) {
      throw new CommandError('TECH_LOCKED', `too many wrong PINs; technician entry is locked for ${String(Math.ceil((until - this.d.clock.now()) / 1000))} s`);
    }
    this.padUntil = 0;
    if (!this.d.pinHash) throw new CommandError('BAD_PIN', 'no technician PIN is provisioned on this terminal');
    // Counted before the slow check, so parallel tries cannot slip in under the limit; kept in the database.
    const prior = this.locks.load() ?? { failures: 0, lockedUntil: 0 };
    const failures = prior.failures + 1;
    this.locks.save({ failures, lockedUntil: failures >= TECH_ATTEMPTS ? this.d.clock.now() + TECH_LOCK_MS : 0 });
    if (!(await this.d.verifyPin?.(pin, this.d.pinHash))) {
      this.d.audit.record({ actor: 'technician', action: 'technician.pin-failed', detail: { failures } });
      if (failures >= TECH_ATTEMPTS) {
        this.locks.save({ failures: 0, lockedUntil: this.d.clock.now() + TECH_LOCK_MS });
        this.d.audit.record({ actor: 'technician', action: 'technician.locked', detail: { minutes: TECH_LOCK_MS / 60_000 } });
      }
      throw new CommandError('BAD_PIN', 'the technician PIN is wrong');
    }
    this.locks.save({ failures: 0, lockedUntil: 0 });
    if (this.active) return this.touch();
    this.active = true;
    this.d.audit.record({ actor: 'technician', action: 'technician.enter', detail: {} });
    this.touch();
    this.d.onChange(true, 'entered');
  }

  /** Back in after a restart the technician asked for (the PIN was checked before it); audited as such. */
  resume(): void {
    if (this.active) return;
    this.active = true;
    this.d.audit.record({ actor: 'technician', action: 'technician.resume', detail: { reason: 'restart' } });
    this.touch();
    this.d.onChange(true, 'resumed');
  }

  /** Any touch on the technician screens keeps the mode open. */
  touch(): void {
    if (!this.active) return;
    this.idle?.();
    this.idle = this.d.clock.after(TECH_IDLE_MS, () => this.exit('idle'));
  }

  exit(reason: 'exit' | 'idle' | 'restart' = 'exit'): void {
    if (!this.active) return;
    this.active = false;
    this.idle?.();
    this.idle = null;
    this.d.audit.record({ actor: 'technician', action: 'technician.exit', detail: { reason } });
    this.d.onChange(false, reason);
  }

  close(): void {
    this.idle?.();
  }
}

function memoryLocks(): TechnicianLockStore {
  let lock: TechnicianLock | undefined;
  return { load: () => lock, save: (l) => (lock = l) };
}
