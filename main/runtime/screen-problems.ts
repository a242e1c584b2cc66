import type { ScreenRegion } from '../bridge/contract.js';
import type { Log } from '../log/logger.js';

export type ScreenProblem = { region: ScreenRegion; problem: 'qr-unreadable' | 'render-failed'; detail: string };

const MESSAGES = {
  'qr-unreadable': 'a QR code on the citizen screen is too long to scan at its size: its fallback is shown',
  'render-failed': 'a part of the citizen screen failed to draw: the rest of the screen is shown',
} as const;

/**
 * What the citizen screen could not show (its fallback is up), told to the technician: a warning in the log, which the
 * diagnostics screen lists. Once per region and problem until what it says changes, so a screen that redraws each
 * invitation cannot fill the log.
 */
export class ScreenProblemLog {
  private readonly seen = new Map<string, string>();

  constructor(private readonly log: Log) {}

  note(p: ScreenProblem): void {
    const key = `${p.region}:${p.problem}`;
    if (this.seen.get(key) === p.detail) return;
    this.seen.set(key, p.detail);
    this.log.warn({ region: p.region, problem: p.problem, detail: p.detail }, MESSAGES[p.problem]);
  }
}
