import type { TerminalView } from '../bridge/contract.js';
import type { RatingPolicy, Tag, TerminalConfig } from './config.js';
import { CommandError } from './errors.js';
import { isBad, minLevel, type Level } from './levels.js';
import type { Flag } from './records.js';

/** The rules of a rating, pure: what to ask after a level, which flags a record carries, what a follow-up must contain. */

export const THANKS_MS = 3000;
export const NOTICE_MS = 3000;
/** A rating sooner than this after the invitation appeared is flagged `fast`. */
export const FAST_MS = 1000;
/** This many ratings for one staff member within the window (this one included) are flagged `burst`. */
export const BURST_COUNT = 4;
export const BURST_WINDOW_MS = 120_000;

export type FollowUpView = NonNullable<NonNullable<TerminalView['session']>['followUp']>;

export interface FollowUpAnswer {
  tags: string[];
  answers: Record<string, 'y' | 'n' | 'u'>;
  comment: string;
  phone?: string | undefined;
  dimensions?: { serviceEfficiency: number; serviceLevel: number; serviceAttitude: number } | undefined;
}

/** Whether the citizen is asked anything after choosing these levels (records are held meanwhile). */
export function needsFollowUp(r: RatingPolicy, levels: readonly Level[]): boolean {
  if (r.dimensions) return true;
  if (r.followUp === 'all') return true;
  return r.followUp === 'bad' && isBad(minLevel(levels));
}

/** Whether the follow-up offers reasons (tags, questions, comment) rather than only the dimensions. */
export function wantsReasons(r: RatingPolicy, levels: readonly Level[]): boolean {
  return r.followUp === 'all' || (r.followUp === 'bad' && isBad(minLevel(levels)));
}

export function tagsFor(config: TerminalConfig, level: Level): Tag[] {
  return config.tags.byLevel[String(level) as '1' | '2' | '3' | '4' | '5'] ?? [];
}

export function followUpOptions(config: TerminalConfig, levels: readonly Level[], canEncryptPhone: boolean): Omit<FollowUpView, 'expiresAt'> {
  const level = minLevel(levels);
  const reasons = wantsReasons(config.rating, levels);
  return {
    tags: reasons ? tagsFor(config, level) : [],
    questions: reasons ? config.questions : [],
    dimensions: config.rating.dimensions,
    reasonRequired: config.rating.requireReasonForBad && isBad(level),
    phoneAllowed: reasons && isBad(level) && canEncryptPhone,
  };
}

/** Refuses a follow-up answer the screen could not have offered, or one lacking a required reason. */
export function checkFollowUp(config: TerminalConfig, levels: readonly Level[], a: FollowUpAnswer): void {
  const level = minLevel(levels);
  const catalog = wantsReasons(config.rating, levels) ? tagsFor(config, level) : [];
  const unknownTag = a.tags.find((t) => !catalog.some((c) => c.code === t));
  if (unknownTag !== undefined) throw new CommandError('UNKNOWN_TAG', `tag ${unknownTag} is not offered for this level`);
  const unknownQ = Object.keys(a.answers).find((q) => !config.questions.some((c) => c.id === q));
  if (unknownQ !== undefined) throw new CommandError('UNKNOWN_QUESTION', `question ${unknownQ} is not in the questionnaire`);
  if (config.rating.requireReasonForBad && isBad(level) && a.tags.length === 0 && a.comment.trim() === '') {
    throw new CommandError('REASON_REQUIRED', 'choose at least one reason or write a comment');
  }
}

export function checkSkip(config: TerminalConfig, levels: readonly Level[]): void {
  if (config.rating.requireReasonForBad && isBad(minLevel(levels))) {
    throw new CommandError('REASON_REQUIRED', 'a reason is required for this rating; choose one or write a comment');
  }
}

/** `uninvited` for a keypad press with no invitation; `fast` under FAST_MS; `burst` for the BURST_COUNT-th rating in the window. */
export function flagsFor(o: { uninvited: boolean; sinceOpenedMs: number; ratedInWindow: number }): Flag[] {
  const flags: Flag[] = [];
  if (o.uninvited) flags.push('uninvited');
  else if (o.sinceOpenedMs < FAST_MS) flags.push('fast');
  if (o.ratedInWindow + 1 >= BURST_COUNT) flags.push('burst');
  return flags;
}
