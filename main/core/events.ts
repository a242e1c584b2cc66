import type { SyncStatus } from '../../sync/engine.js';
import type { TerminalState } from '../bridge/contract.js';

export type { SyncStatus };

export interface StaffSummary {
  staffId: string;
  name: string;
  title?: string | undefined;
}

/** Domain events, named as the local API's SSE events. */
export type TerminalEvent =
  | { type: 'session.opened'; sessionId: string; expiresAt: string }
  /** `surface` and `evalId`: rated on the province's own page (province-page.md), the rating the province's. */
  | { type: 'session.rated'; sessionId: string; satisfaction: number; ratedAt: string; surface?: 'province-page'; evalId?: string }
  | { type: 'session.unrated'; sessionId: string }
  | { type: 'session.cancelled'; sessionId: string }
  | { type: 'staff.login'; staff: StaffSummary }
  | { type: 'staff.logout'; staff: StaffSummary }
  | { type: 'staff.pause'; staff: StaffSummary }
  | { type: 'staff.resume'; staff: StaffSummary }
  | { type: 'device.status'; devices: Record<string, unknown> }
  | { type: 'sync.status'; sync: SyncStatus }
  | { type: 'maintenance.start' }
  | { type: 'maintenance.end'; reason: string }
  | { type: 'state'; state: TerminalState };

type Listener<T> = (value: T) => void;

/** A tiny typed fan-out; a throwing listener is isolated so one subscriber cannot break the terminal. */
export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  on(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T, onError: (err: unknown) => void): void {
    for (const l of this.listeners) {
      try {
        l(value);
      } catch (err) {
        onError(err);
      }
    }
  }
}
