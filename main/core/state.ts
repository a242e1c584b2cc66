import type { TerminalState } from '../bridge/contract.js';

/** The facts the terminal's state is derived from; nothing stores the state itself. */
export interface StateFacts {
  provisioned: boolean;
  maintenance: boolean;
  staff: boolean;
  paused: boolean;
  session: 'inviting' | 'follow-up' | null;
  thanks: boolean;
}

export function deriveState(f: StateFacts): TerminalState {
  if (!f.provisioned) return 'unprovisioned';
  if (f.maintenance) return 'maintenance';
  if (!f.staff) return 'closed';
  if (f.session) return f.session;
  if (f.paused) return 'paused';
  if (f.thanks) return 'thanks';
  return 'serving';
}
