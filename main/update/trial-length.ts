import type { UpdatesSettings } from '../provisioning/schema.js';

/** The trial's length: `updates.trialMinutes`, or HCP_UPDATES_TRIAL_MS in a test (never real minutes in `npm test`). */
export function trialMillis(settings: UpdatesSettings): number {
  const override = Number(process.env['HCP_UPDATES_TRIAL_MS']);
  return Number.isFinite(override) && override > 0 ? override : settings.trialMinutes * 60_000;
}

/** The shortest wait for a start to show itself healthy: a slow board's start and its kiosk browser fit well inside. */
const MIN_HEALTH_WAIT_MS = 10 * 60_000;

/**
 * How long a start on trial may take to become healthy (docs/updates.md): the trial's length, and at least 10 minutes.
 * A start still not healthy then counts as a failed start. HCP_UPDATES_HEALTH_MS in a test.
 */
export function healthDeadlineMillis(settings: UpdatesSettings): number {
  const override = Number(process.env['HCP_UPDATES_HEALTH_MS']);
  return Number.isFinite(override) && override > 0 ? override : Math.max(trialMillis(settings), MIN_HEALTH_WAIT_MS);
}
