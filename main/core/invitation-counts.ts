import { formatCst } from '../bridge/formats.js';
import { CANCEL_REASONS, type CancelReason, type InvitationCounts } from './session.js';
import type { SessionReads } from './ports.js';

/** Today's invitations (China Standard Time) by how they ended, from grouped rows of the sessions table. */
export function countInvitations(rows: ReturnType<SessionReads['invitationEnds']>, dayStart: number): InvitationCounts {
  const cancelled = Object.fromEntries(CANCEL_REASONS.map((r) => [r, 0])) as Record<CancelReason, number>;
  const counts: InvitationCounts = { date: formatCst(dayStart).slice(0, 10), opened: 0, rated: 0, timedOut: 0, cancelled, cancelledWithinSeconds5: 0 };
  for (const r of rows) {
    counts.opened += r.count;
    if (r.status === 'rated') counts.rated += r.count;
    // statusUnknown (page mode) timed out too: the province did not say whether its page was rated.
    else if (r.status === 'unrated' && (r.reason === 'timedOut' || r.reason === 'statusUnknown')) counts.timedOut += r.count;
    else if (r.status === 'cancelled') {
      // Sessions cancelled before this terminal kept reasons count as cancelled by the business system, the only canceller then.
      const reason = r.reason && r.reason in cancelled ? (r.reason as CancelReason) : 'byBusinessSystem';
      cancelled[reason] += r.count;
      counts.cancelledWithinSeconds5 += r.quickCancels;
    }
  }
  return counts;
}
