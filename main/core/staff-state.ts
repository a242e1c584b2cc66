import { z } from 'zod';

/** Who is logged in, kept across restarts so a crash does not send the staff member back to the badge reader. */
export const staffStateSchema = z.strictObject({ staffId: z.string(), paused: z.boolean() });
