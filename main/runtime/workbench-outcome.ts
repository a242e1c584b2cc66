import type { IntentResult } from '../bridge/contract.js';

/** A technician action's answer, and its refusal: one shape for the workbench and the jobs split out of it. */
export type Outcome = IntentResult;
export const fail = (code: string, message: string): Outcome => ({ ok: false, code, message });

/** The workbench's `said`: keeps the outcome as the last action, for the screen to say in its language, and returns it. */
export type Say = (r: Outcome, key?: string, params?: Record<string, string | number>) => Outcome;
