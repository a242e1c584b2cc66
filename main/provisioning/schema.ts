import { z } from 'zod';
import { isValidSm2PublicKey } from '../../sync/crypto/gm.js';
import { PIN, PIN_MESSAGE } from '../bridge/formats.js';
import { strictStaffSchema, strictTerminalConfigSchema } from '../core/config.js';
import { describeIssues } from '../util/zod-issues.js';

const pin = z.string().regex(PIN, PIN_MESSAGE);
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const hexId = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{1,4}$/, 'a USB id as hex, e.g. "0x1a86"')
  .or(z.number().int().min(0).max(0xffff));

const keypadSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('serial'),
    path: nonEmpty,
    baudRate: z.union([z.literal(9600), z.literal(19200), z.literal(115200)]).default(9600),
    address: z.number().int().min(1).max(247).default(1),
  }),
  z.strictObject({ type: z.literal('hid'), vendorId: hexId, productId: hexId }),
  z.strictObject({ type: z.literal('simulated') }),
  z.strictObject({ type: z.literal('none') }),
]);

const badgeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('keyboard') }),
  z.strictObject({ type: z.literal('serial-rdm6300'), path: nonEmpty }),
  z.strictObject({ type: z.literal('keypad') }),
  z.strictObject({ type: z.literal('none') }),
]);

/** Staff in a provisioning file may carry a PIN for staff-id login; it is stored only as a slow hash. */
const offlineConfigSchema = strictTerminalConfigSchema.extend({
  staff: z.array(strictStaffSchema.extend({ pin: pin.optional() })).default([]),
});

/** The provisioning file of terminal-cli.md. Unknown fields are errors: a typo must not pass silently. */
export const provisioningFileSchema = z.strictObject({
  terminal: z.strictObject({
    terminalId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_", at most 64'),
    areaCode: z.string().regex(/^(\d{6}|\d{12})$/, '行政区划代码 of 6 or 12 digits'),
    hallCode: nonEmpty.max(64),
    windowCode: nonEmpty.max(64),
  }),
  province: z.strictObject({
    baseUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
    appKey: nonEmpty.max(128),
    appSecret: z.string().min(8, 'at least 8 characters').max(256),
    signAlg: z.enum(['HMAC-SM3', 'HMAC-SHA256']).default('HMAC-SM3'),
    sm2PublicKey: z.string().refine(isValidSm2PublicKey, 'an uncompressed SM2 public key: "04" and 128 hex digits, a point on the curve').optional(),
    offlineLinkTemplate: z
      .string()
      .refine((t) => ['{terminalId}', '{sessionId}', '{sig}'].every((p) => t.includes(p)), 'a URL template with {terminalId}, {sessionId} and {sig}')
      .optional(),
  }),
  devices: z
    .strictObject({
      keypad: keypadSchema.default({ type: 'none' }),
      badge: badgeSchema.default({ type: 'keyboard' }),
    })
    .default({ keypad: { type: 'none' }, badge: { type: 'keyboard' } }),
  localApi: z.strictObject({
    host: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8720),
    token: z.string().min(16, 'at least 16 characters').max(256),
  }),
  technician: z.strictObject({ pin }),
  offlineConfig: offlineConfigSchema.optional(),
});

export type ProvisioningFile = z.infer<typeof provisioningFileSchema>;
export type KeypadSettings = z.infer<typeof keypadSchema>;
export type BadgeSettings = z.infer<typeof badgeSchema>;

/** What is kept in the database: the file minus its secrets, which are sealed or hashed. */
export const storedProvisioningSchema = z.strictObject({
  terminal: provisioningFileSchema.shape.terminal,
  province: provisioningFileSchema.shape.province.omit({ appSecret: true }).extend({ appSecretSealed: z.string() }),
  devices: z.strictObject({ keypad: keypadSchema, badge: badgeSchema }),
  localApi: z.strictObject({ host: z.string(), port: z.number().int(), tokenSealed: z.string() }),
  technicianPinHash: z.string(),
  staffPinHashes: z.record(z.string(), z.string()),
  demo: z.boolean().default(false),
});
export type StoredProvisioning = z.infer<typeof storedProvisioningSchema>;

export function describeProvisioningIssues(error: z.ZodError): string {
  return describeIssues(error, '(file)').split('; ').join('\n');
}
