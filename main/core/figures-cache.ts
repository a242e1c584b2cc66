import { startOfCstDay } from './clock.js';
import type { SessionReads } from './ports.js';

/**
 * Today's count and 满意率 for the staff member on the status strip. Every view shows them and a rating makes
 * several views, so they are read once and kept until a rating is stored, the staff member changes or the day turns,
 * instead of being counted again on every view (issue 11).
 */
export class FiguresCache {
  private kept: { staffId: string; day: number; figures: { count: number; satisfied: number } } | null = null;

  constructor(private readonly reads: SessionReads) {}

  get(staffId: string, now: number): { count: number; satisfied: number } {
    const day = startOfCstDay(now);
    if (this.kept?.staffId !== staffId || this.kept.day !== day) this.kept = { staffId, day, figures: this.reads.staffFigures(staffId, day) };
    return this.kept.figures;
  }

  /** A rating was stored (or amended): the next view counts again. */
  forget(): void {
    this.kept = null;
  }
}
