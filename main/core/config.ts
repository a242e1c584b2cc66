import { z } from 'zod';
import { BADGE_ID, BADGE_ID_MESSAGE } from '../bridge/formats.js';
import { PERIOD } from '../bridge/hall-hours.js';
import { MAX_PHOTO_BYTES, MAX_PHOTO_URL, photoProblem } from './photo.js';

/** A staff photo checked by decoding its header (core/photo.ts), not only by its prefix. */
const photoSchema = z
  .string()
  .max(MAX_PHOTO_URL, `a photo is at most ${String(MAX_PHOTO_BYTES / 1024)} KiB`)
  .superRefine((url, ctx) => {
    const problem = photoProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The content contract (docs/citizens.md): everything that reaches a citizen screen has a maximum here, where it enters,
 * and the screens are laid out and tested with every field at it. Tags and questions: what provinces send is 3–12 tags
 * a level and up to 6 questions; the limits leave room and still fit the follow-up's scroll area.
 */
export const CONTENT_LIMITS = { tagsPerLevel: 20, questions: 10, staticQrUrlChars: 512 } as const;

/**
 * The terminal's working configuration: the shape of the province's config answer (province-api.md),
 * also used for `offlineConfig` in the provisioning file. Defaults are the spec's example values.
 *
 * Two strictnesses from one definition: a technician's provisioning file rejects unknown fields (a typo must not
 * pass), while the province's answer ignores them (a province adding a field must not freeze config updates).
 */
function configSchemas(strict: boolean) {
  const obj = strict ? z.strictObject : z.object;
  const staffSchema = obj({
    staffId: z.string().min(1).max(64),
    name: z.string().min(1).max(64),
    title: z.string().max(64).optional(),
    deptCode: z.string().max(64).optional(),
    badgeIds: z.array(z.string().regex(BADGE_ID, BADGE_ID_MESSAGE)).default([]),
    // The technician's file is told what is wrong with a photo; the province's answer loses only that photo.
    photo: strict ? photoSchema.optional() : photoSchema.optional().catch(undefined),
  });
  const tagSchema = obj({ code: z.string().min(1).max(32), text: z.string().min(1).max(32) });
  const ratingPolicySchema = obj({
    scale: z.enum(['manyi', 'haocha']).default('manyi'),
    timeoutSeconds: z.number().int().min(5).max(600).default(30),
    followUpTimeoutSeconds: z.number().int().min(5).max(600).default(60),
    dimensions: z.boolean().default(false),
    followUp: z.enum(['none', 'bad', 'all']).default('bad'),
    /** province-page.md: the terminal's own five buttons, or the province's evaluation page (page mode). */
    surface: z.enum(['terminal', 'province-page']).default('terminal'),
    requireReasonForBad: z.boolean().default(false),
    requireInvitation: z.boolean().default(true),
    defaultAfterDays: z.number().int().min(1).max(60).nullable().default(null),
    /** v1.1 (云南): working days instead; when both are set, working days win. */
    defaultAfterWorkingDays: z.number().int().min(1).max(60).nullable().default(null),
    /** ISO dates that are not working days, and weekend dates that are (调休). */
    holidays: z.array(z.iso.date()).max(400).default([]),
    workdays: z.array(z.iso.date()).max(400).default([]),
  });
  const periods = z.array(z.string().regex(PERIOD, 'a period such as "08:30-12:00"')).max(6).optional();
  const terminalConfigSchema = obj({
    configVersion: z.string().max(64).default('offline'),
    terminal: obj({
      areaCode: z.string().optional(),
      hallCode: z.string().optional(),
      hallName: z.string().max(64).optional(),
      windowCode: z.string().optional(),
      windowName: z.string().max(32).optional(),
      deptCode: z.string().optional(),
      deptName: z.string().max(64).optional(),
      staticQrUrl: z
        .url()
        .max(
          CONTENT_LIMITS.staticQrUrlChars,
          `at most ${String(CONTENT_LIMITS.staticQrUrlChars)} characters (a longer QR code cannot be scanned off the screen)`,
        )
        .optional(),
    }).default({}),
    staff: z.array(staffSchema).default([]),
    tasks: z
      .array(
        obj({
          taskCode: z.string().min(1).max(64),
          taskName: z.string().min(1).max(128),
          deptCode: z.string().max(64).optional(),
          deptName: z.string().max(128).optional(),
        }),
      )
      .default([]),
    tags: obj({
      version: z.string().default('0'),
      byLevel: z
        .partialRecord(
          z.enum(['1', '2', '3', '4', '5']),
          z.array(tagSchema).max(CONTENT_LIMITS.tagsPerLevel, `at most ${String(CONTENT_LIMITS.tagsPerLevel)} tags a level`),
        )
        .default({}),
    }).default({ version: '0', byLevel: {} }),
    questions: z
      .array(obj({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), text: z.string().min(1).max(64) }))
      .max(CONTENT_LIMITS.questions, `at most ${String(CONTENT_LIMITS.questions)} questions`)
      .default([]),
    rating: ratingPolicySchema.default(ratingPolicySchema.parse({})),
    /** When the hall is open, by weekday (China Standard Time); outside them an idle screen dims, then blanks. */
    hallHours: obj({ sun: periods, mon: periods, tue: periods, wed: periods, thu: periods, fri: periods, sat: periods }).optional(),
    /** Burn-in protection: an idle screen that may sleep dims after this long, then blanks. */
    display: obj({
      dimAfterSeconds: z.number().int().min(1).max(86_400).default(120),
      blankAfterSeconds: z.number().int().min(1).max(86_400).default(600),
    }).default({ dimAfterSeconds: 120, blankAfterSeconds: 600 }),
  });
  return { staffSchema, tagSchema, ratingPolicySchema, terminalConfigSchema };
}

const lenient = configSchemas(false);
const strict = configSchemas(true);

/** The province's answer and what is stored: unknown fields are dropped. */
export const terminalConfigSchema = lenient.terminalConfigSchema;
export const ratingPolicySchema = lenient.ratingPolicySchema;
/** The provisioning file's `offlineConfig`: unknown fields are errors. */
export const strictTerminalConfigSchema = strict.terminalConfigSchema;
export const strictStaffSchema = strict.staffSchema;
export const staffSchema = lenient.staffSchema;

export type TerminalConfig = z.infer<typeof terminalConfigSchema>;

/**
 * province-api v1.1: "optional fields may arrive as null (treat as absent)". Drops null-valued keys at every depth
 * before validation, so one staff member's `"photo": null` no longer costs the whole roster. A required field sent
 * as null is then missing, and still refused.
 */
export function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

/** The province's config answer, nulls read as absent. */
export function parseProvinceConfig(body: unknown) {
  return terminalConfigSchema.safeParse(withoutNulls(body));
}
export type StaffMember = z.infer<typeof staffSchema>;
export type RatingPolicy = z.infer<typeof ratingPolicySchema>;
export type Tag = z.infer<typeof lenient.tagSchema>;
