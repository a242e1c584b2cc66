import { z } from 'zod';
import { BADGE_ID, BADGE_ID_MESSAGE, PIN, PIN_MESSAGE } from '../bridge/formats.js';
import { sessionItemSchema } from '../core/session.js';

/** Request bodies of local-api.md. Strict: an unknown field is an error, not something silently ignored. */
export const badgeLoginBody = z.strictObject({ badgeId: z.string().regex(BADGE_ID, BADGE_ID_MESSAGE) });
export const pinLoginBody = z.strictObject({
  staffId: z.string().min(1).max(64),
  pin: z.string().regex(PIN, PIN_MESSAGE),
});

export const openSessionBody = z.strictObject({
  projectNo: z.string().min(1).max(50, 'at most 50 characters (the province’s limit)').optional(),
  items: z.array(sessionItemSchema).max(20, 'at most 20 items (the province’s limit)').optional(),
  mode: z.enum(['combined', 'per-item', 'choose']).optional(),
  applicant: z
    .strictObject({
      name: z.string().min(1).max(64).optional(),
      userProp: z.union([z.literal(1), z.literal(2)]).optional(),
      certKey: z.string().min(1).max(64).optional(),
      mobile: z
        .string()
        .regex(/^\+?\d{5,20}$/, 'digits only, 5–20')
        .optional(),
    })
    .optional(),
});

/** Routes that take no body accept none, or an empty JSON object. */
export const emptyBody = z.union([z.undefined(), z.strictObject({})]);
