import type { StorageStatus } from './storage.js';
import { z } from 'zod';
import type { TerminalState } from '../bridge/contract.js';
import type { StaffSummary, SyncStatus } from './events.js';

/** An invitation as the core knows it; `main/store` persists it in the `sessions` table. */
export type SessionStatus = 'inviting' | 'rated' | 'unrated' | 'cancelled';

/** Who cancelled an invitation (province-api v1.1 heartbeat `invitations.cancelled`). */
export type CancelReason = 'byStaff' | 'byBusinessSystem' | 'byPause' | 'byLogout' | 'byStaffChange' | 'byMaintenance';
export const CANCEL_REASONS: readonly CancelReason[] = ['byStaff', 'byBusinessSystem', 'byPause', 'byLogout', 'byStaffChange', 'byMaintenance'];
/**
 * How an invitation that was never rated ended: timed out, abandoned by a stop or crash, cancelled by someone, or (page
 * mode, province-page.md) timed out while the province did not answer whether its page was rated.
 */
export type EndReason = 'timedOut' | 'abandoned' | 'statusUnknown' | CancelReason;

/** Today's invitations by how they ended (`GET /status` and the heartbeat's `invitations`, v1.1). */
export interface InvitationCounts {
  date: string;
  opened: number;
  rated: number;
  timedOut: number;
  cancelled: Record<CancelReason, number>;
  /** Cancelled less than 5 s after the invitation appeared. */
  cancelledWithinSeconds5: number;
}

export const sessionItemSchema = z.strictObject({
  taskCode: z.string().min(1).max(64),
  taskName: z.string().min(1).max(128),
  deptCode: z.string().min(1).max(64),
  deptName: z.string().min(1).max(128),
});
export type SessionItem = z.infer<typeof sessionItemSchema>;

/** Applicant identity as stored: the name sealed with the terminal's key, the rest SM2 ciphertext or absent. */
export const storedApplicantSchema = z.strictObject({
  nameSealed: z.string().optional(),
  userProp: z.union([z.literal(1), z.literal(2)]).optional(),
  certKey: z.string().optional(),
  mobile: z.string().optional(),
});
export type StoredApplicant = z.infer<typeof storedApplicantSchema>;

export interface SessionRow {
  sessionId: string;
  status: SessionStatus;
  staffId: string;
  staffName: string;
  openedAt: number;
  expiresAt: number;
  mode: 'combined' | 'per-item';
  projectNo: string | null;
  items: SessionItem[];
  applicant: StoredApplicant | null;
  qrUrl: string;
  satisfaction: number | null;
  evalDetail: string | null;
  pf: string | null;
  ratedAt: number | null;
  closedAt: number | null;
}

/** What is known when an invitation opens. */
export type NewSessionRow = Omit<SessionRow, 'status' | 'satisfaction' | 'evalDetail' | 'pf' | 'ratedAt' | 'closedAt'>;

/** The answer of `GET /sessions/{id}` and the `session` of `GET /status`. */
export interface SessionAnswer {
  sessionId: string;
  status: SessionStatus;
  satisfaction?: number;
  evalDetail?: string;
  ratedAt?: string;
}

export function answerOf(row: SessionRow): SessionAnswer {
  return {
    sessionId: row.sessionId,
    status: row.status,
    ...(row.satisfaction !== null ? { satisfaction: row.satisfaction } : {}),
    ...(row.evalDetail !== null ? { evalDetail: row.evalDetail } : {}),
    ...(row.ratedAt !== null ? { ratedAt: new Date(row.ratedAt).toISOString() } : {}),
  };
}

/** The answer of `GET /status`. */
export interface TerminalStatus {
  state: TerminalState;
  staff: StaffSummary | null;
  session: (SessionAnswer & { expiresAt: string }) | null;
  devices: Record<string, unknown>;
  sync: SyncStatus;
  /** v1.1: today's invitations by how they ended. */
  invitations: InvitationCounts;
  /** Whether a rating can be stored now (a full disk stops new ratings until space returns). */
  storage: StorageStatus;
}
