export type CommandErrorCode =
  | 'UNPROVISIONED'
  | 'MAINTENANCE'
  | 'UNKNOWN_BADGE'
  | 'UNKNOWN_STAFF'
  | 'BAD_PIN'
  | 'PIN_LOCKED'
  | 'TECH_LOCKED'
  | 'TECHNICIAN_BADGE'
  | 'NO_STAFF'
  | 'PAUSED'
  | 'SESSION_OPEN'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_CLOSED'
  | 'ALREADY_RATED'
  | 'NOT_INVITING'
  | 'STALE_SESSION'
  | 'UNKNOWN_TAG'
  | 'UNKNOWN_QUESTION'
  | 'REASON_REQUIRED'
  | 'STORAGE_FAILED'
  | 'STORAGE_FULL';

/** A command the terminal refuses, with words a person can act on. Nothing was changed. */
export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}
