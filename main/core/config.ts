import { z } from 'zod';

/**
 * The terminal's working configuration: the shape of the province's config answer (province-api.md),
 * also used for `offlineConfig` in the provisioning file. Defaults are the spec's example values.
 */
export const staffSchema = z.strictObject({
  staffId: z.string().min(1).max(64),
  name: z.string().min(1).max(64),
  title: z.string().max(64).optional(),
  deptCode: z.string().max(64).optional(),
  badgeIds: z.array(z.string().regex(/^[0-9A-Fa-f]{4,32}$/, 'a badge id is 4–32 hex digits')).default([]),
  photo: z.string().regex(/^data:image\/(png|jpeg|webp);base64,/, 'a photo is a data: URL of a PNG, JPEG or WebP image').optional(),
});

const tagSchema = z.strictObject({ code: z.string().min(1).max(32), text: z.string().min(1).max(32) });

export const ratingPolicySchema = z.strictObject({
  scale: z.enum(['manyi', 'haocha']).default('manyi'),
  timeoutSeconds: z.number().int().min(5).max(600).default(30),
  followUpTimeoutSeconds: z.number().int().min(5).max(600).default(60),
  dimensions: z.boolean().default(false),
  followUp: z.enum(['none', 'bad', 'all']).default('bad'),
  requireReasonForBad: z.boolean().default(false),
  requireInvitation: z.boolean().default(true),
  defaultAfterDays: z.number().int().min(1).max(60).nullable().default(null),
});

export const terminalConfigSchema = z.strictObject({
  configVersion: z.string().max(64).default('offline'),
  terminal: z
    .strictObject({
      areaCode: z.string().optional(),
      hallCode: z.string().optional(),
      hallName: z.string().max(64).optional(),
      windowCode: z.string().optional(),
      windowName: z.string().max(32).optional(),
      deptCode: z.string().optional(),
      deptName: z.string().optional(),
      staticQrUrl: z.url().optional(),
    })
    .default({}),
  staff: z.array(staffSchema).default([]),
  tasks: z
    .array(z.strictObject({ taskCode: z.string().min(1), taskName: z.string().min(1), deptCode: z.string().optional(), deptName: z.string().optional() }))
    .default([]),
  tags: z
    .strictObject({
      version: z.string().default('0'),
      byLevel: z.partialRecord(z.enum(['1', '2', '3', '4', '5']), z.array(tagSchema)).default({}),
    })
    .default({ version: '0', byLevel: {} }),
  questions: z.array(z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), text: z.string().min(1).max(64) })).default([]),
  rating: ratingPolicySchema.default(ratingPolicySchema.parse({})),
});

export type TerminalConfig = z.infer<typeof terminalConfigSchema>;
export type StaffMember = z.infer<typeof staffSchema>;
export type RatingPolicy = z.infer<typeof ratingPolicySchema>;
export type Tag = z.infer<typeof tagSchema>;
