import type { StorageProbe } from './storage.js';
import type { NewRecord, RecordPatch } from '../../sync/record.js';
import type { Diagnostics, TerminalView } from '../bridge/contract.js';
import type { TechnicianSetup } from '../bridge/technician.js';
import type { Clock } from './clock.js';
import type { TerminalConfig } from './config.js';
import type { SyncStatus } from './events.js';
import type { Level } from './levels.js';
import type { Pf, Where } from './records.js';
import type { EndReason, NewSessionRow, SessionRow, SessionStatus } from './session.js';

/** Everything the core needs from outside, as interfaces; `main/runtime` wires the concrete classes. */

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Protects evaluator identity: names sealed with the terminal's key, ID number and phone under the province's SM2 key. */
export interface IdentityProtector {
  sealName(name: string): string;
  /** Whether a province key is provisioned (the phone field is offered only then). */
  readonly canEncryptForProvince: boolean;
  /** `"sm2:…"` ciphertext, or null when no province key is provisioned (the value is then dropped). */
  encryptForProvince(plain: string): string | null;
}

export interface LinkProvider {
  /** The URL a citizen's phone opens to rate this session (the province's dynamic link, or the offline one). */
  sessionLink(req: { sessionId: string; staffId: string; projectNo?: string | undefined; taskCode?: string | undefined }): Promise<string>;
}

export interface SyncPort {
  /** Queue and connection figures, computed by sync. */
  status(): SyncStatus;
  /** Called after a commit that queued records, so the uploader can wake at once. */
  notify(): void;
}

export interface DevicesPort {
  status(): Record<string, unknown>;
  /** The keypad, if one is configured: what kind, whether it answers, and its last key (the screen shows it). */
  keypadSummary(): TerminalView['keypad'];
}

export interface KeypadPort {
  /** The terminal's state changed: the keypad sets keys, LEDs and text for it. */
  showState(view: TerminalView): void;
  /** The citizen's choice was stored: light that key, thank them. */
  confirmChoice(level: Level): void;
}

/** Reads of stored sessions. */
export interface SessionReads {
  session(sessionId: string): SessionRow | undefined;
  /** Ratings and how many were not 差评 (levels 3..5) for one staff member since `since`. */
  staffFigures(staffId: string, since: number): { count: number; satisfied: number };
  /** Ratings for one staff member since `since` (burst detection). */
  ratedSince(staffId: string, since: number): number;
  /** Unrated sessions closed before `before` that have not had their default rating yet. */
  dueForDefault(before: number, limit: number): SessionRow[];
  /** Invitations opened since `since`, by how they ended (an indexed count, not a scan of every session). */
  invitationEnds(since: number): { status: SessionStatus; reason: EndReason | null; count: number; quickCancels: number }[];
}

/** Writes; valid only inside `RatingRepository.unitOfWork`, so a session change and its records commit together. */
export interface RatingWrites {
  insertSession(row: NewSessionRow): void;
  markRated(sessionId: string, level: Level, pf: string, at: number): void;
  /** Ends a session: `status` for an invitation that was never rated, null to keep what it is. */
  closeSession(sessionId: string, status: 'unrated' | 'cancelled' | null, at: number, reason?: EndReason): void;
  setEvalDetail(sessionId: string, evalDetail: string): void;
  markDefaulted(sessionId: string, at: number): void;
  /** The citizen chose how to rate a `mode: "choose"` session. */
  setSessionMode(sessionId: string, mode: 'combined' | 'per-item'): void;
  /** Numbers the record (seq, chain hash) and queues it; `held` keeps it back while a follow-up is open. */
  appendRecord(record: NewRecord, held: boolean): void;
  amendHeld(evalId: string, patch: RecordPatch): void;
  release(evalIds: readonly string[]): void;
  /**
   * Page mode (province-page.md): the province holds the rating. The session ends rated (an open one, or one that
   * timed out waiting for the province's answer) and a local note is kept: no record, no seq, no chain, never uploaded.
   * False when the session was not one of those (already rated, cancelled, defaulted): nothing is written.
   */
  noteRatedElsewhere(note: RatedElsewhere): boolean;
  /** Page mode: an invitation that timed out while the province never answered whether it was rated. */
  markStatusUnknown(sessionId: string): void;
}

/** A rating the province holds for a session of this terminal (its own page): the terminal's local note of it. */
export interface RatedElsewhere {
  sessionId: string;
  staffId: string;
  satisfaction: Level;
  /** The province's own id for its rating, when it gave one. */
  evalId: string | null;
  at: number;
}

/** The terminal's storage of sessions and their outgoing records (SQLite in `main/store`). */
export interface RatingRepository extends SessionReads {
  /** Runs `work` in one durable transaction; returns only after it committed, throws if it did not. */
  unitOfWork<T>(work: (w: RatingWrites) => T): T;
  /** After a restart: open invitations end unrated, held records are released. */
  recover(now: number): { abandoned: number; released: number };
}

/** Who is serving, kept across restarts so a crash does not send the staff member back to the badge reader. */
export interface Shift {
  staffId: string;
  paused: boolean;
}

export interface ShiftStore {
  load(): Shift | undefined;
  save(shift: Shift | null): void;
}

/** One line of the audit log: who did what, old → new; never a secret or a PIN. */
export interface AuditEntry {
  actor: 'technician' | 'staff' | 'system';
  action: string;
  detail: Record<string, unknown>;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
}

export interface TechnicianLock {
  failures: number;
  lockedUntil: number;
}

export interface TechnicianLockStore {
  load(): TechnicianLock | undefined;
  save(lock: TechnicianLock): void;
}

export interface TerminalPorts {
  repo: RatingRepository;
  shifts: ShiftStore;
  clock: Clock;
  identity: IdentityProtector;
  links: LinkProvider;
  where: Where | null;
  config: TerminalConfig;
  staffPinHashes?: Readonly<Record<string, string>>;
  /** Checks a PIN against its slow hash, off the main thread. */
  verifyPin?: (pin: string, hash: string) => Promise<boolean>;
  sync?: SyncPort;
  devices?: DevicesPort;
  /** Technician entry: the PIN's hash, the badges that open the PIN pad, the lockout kept across restarts. */
  technician?: { pinHash: string | null; badgeIds: readonly string[]; locks: TechnicianLockStore };
  audit?: AuditLog;
  /** What the diagnostics screen shows, read while technician mode is open. */
  diagnostics?: () => Diagnostics;
  /** What the provisioning and devices screens show, read while technician mode is open. */
  setup?: () => TechnicianSetup;
  keypad?: KeypadPort;
  /** Voice prompts on the screen (provisioning `voice`). */
  voice?: TerminalView['voice'];
  /** Free space where the database lives; absent, the terminal learns of a full disk only from a failed write. */
  storage?: StorageProbe;
  /** This terminal's own channel (pf) for records nobody chose on it: "5" with a physical keypad, else "4". */
  channel?: Pf;
  log: Logger;
}
