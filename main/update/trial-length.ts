import type { UpdatesSettings } from '../provisioning/schema.js';

/** The trial's length: `updates.trialMinutes`, or HCP_UPDATES_TRIAL_MS in a test (never real minutes in `npm test`). */
export function trialMillis(settings: UpdatesSettings): number {
  const override = Number(process.env['HCP_UPDATES_TRIAL_MS']);
  return Number.isFinite(override) && override > 0 ? override : settings.trialMinutes * 60_000;
}
