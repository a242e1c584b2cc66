import type { CommandErrorCode } from '../core/errors.js';

export interface ApiErrorBody {
  code: string;
  message: string;
}

export const STATUS_OF: Record<CommandErrorCode, number> = {
  UNPROVISIONED: 409,
  MAINTENANCE: 409,
  UNKNOWN_BADGE: 404,
  UNKNOWN_STAFF: 404,
  BAD_PIN: 401,
  PIN_LOCKED: 429,
  TECH_LOCKED: 429,
  TECHNICIAN_BADGE: 409,
  NO_STAFF: 409,
  PAUSED: 409,
  SESSION_OPEN: 409,
  SESSION_NOT_FOUND: 404,
  SESSION_CLOSED: 409,
  ALREADY_RATED: 409,
  NOT_INVITING: 409,
  STALE_SESSION: 409,
  UNKNOWN_TAG: 400,
  UNKNOWN_QUESTION: 400,
  REASON_REQUIRED: 400,
  STORAGE_FAILED: 503,
  STORAGE_FULL: 503,
};

/** An error to answer with a given status and body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
