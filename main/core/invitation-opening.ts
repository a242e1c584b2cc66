import type { StaffMember } from './config.js';
import type { LinkProvider, Logger } from './ports.js';
import type { ApplicantInput } from './ratings.js';
import type { SessionItem, SessionRow } from './session.js';

/*
 * Opening an invitation: what the business system asks for, the QR link fetched for it, the session row as first stored
 * and what the caller is answered. Apart from Invitations, whose state machine takes over once the row is stored.
 */

export interface OpenSessionRequest {
  projectNo?: string | undefined;
  items?: SessionItem[] | undefined;
  /** `choose` (v1.1, 三明: 评价人可选择): the citizen picks combined or per-item on screen (one item: combined). */
  mode?: 'combined' | 'per-item' | 'choose' | undefined;
  applicant?: ApplicantInput | undefined;
}

export interface OpenedSession {
  sessionId: string;
  qrUrl: string;
  expiresAt: string;
}

/** The QR code's link; without one (the province unreachable and no offline link) the invitation still opens. */
export async function sessionLinkFor(
  d: { links: LinkProvider; log: Logger },
  sessionId: string,
  staff: StaffMember,
  req: OpenSessionRequest,
  items: SessionItem[],
): Promise<string> {
  let qrUrl = '';
  try {
    qrUrl = await d.links.sessionLink({ sessionId, staffId: staff.staffId, projectNo: req.projectNo, taskCode: items[0]?.taskCode });
  } catch (err) {
    d.log.warn({ err }, 'no evaluation link for the QR code');
  }
  return qrUrl;
}

/** The new invitation's row, stored before anyone hears of it. */
export function openingRow(o: {
  sessionId: string;
  staff: StaffMember;
  items: SessionItem[];
  qrUrl: string;
  req: OpenSessionRequest;
  now: number;
  timeoutMs: number;
  applicant: SessionRow['applicant'];
}): SessionRow {
  const { sessionId, staff, items, qrUrl, req, now, timeoutMs } = o;
  return {
    sessionId,
    staffId: staff.staffId,
    staffName: staff.name,
    openedAt: now,
    expiresAt: now + timeoutMs,
    // Until the citizen chooses, a `choose` session is stored as combined: what a keypad press means.
    mode: req.mode === 'per-item' && items.length > 1 ? 'per-item' : 'combined',
    projectNo: req.projectNo ?? null,
    items,
    applicant: o.applicant,
    qrUrl,
    status: 'inviting',
    satisfaction: null,
    evalDetail: null,
    pf: null,
    ratedAt: null,
    closedAt: null,
  };
}
