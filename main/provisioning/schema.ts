import { z } from 'zod';
import { BADGE_ID, BADGE_ID_MESSAGE, PIN, PIN_MESSAGE } from '../bridge/formats.js';
import { strictStaffSchema, strictTerminalConfigSchema, withoutNulls } from '../core/config.js';
import { describeIssues } from '../util/zod-issues.js';
import { networkFileSchema, networkStoredSchema } from './network.js';
import { pageOriginProblem, pageOrigins, provinceFileSchema, provinceStoredSchema, sm2PublicKey } from './province-schema.js';
import { checkCertificate, checkPrivateKey, isLoopbackHost } from './tls.js';

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
export const offlineConfigSchema = strictTerminalConfigSchema.extend({
  staff: z.array(strictStaffSchema.extend({ pin: pin.optional() })).default([]),
});

/** Signed updates (terminal-cli.md v1.2, issue 19): the vendor keys trusted for bundles, and how long a new release is on trial. */
export const updatesSettingsSchema = z.strictObject({
  publicKeys: z.array(sm2PublicKey).max(8).default([]),
  trialMinutes: z.number().int().min(1).max(1440).default(10),
});
export type UpdatesSettings = z.infer<typeof updatesSettingsSchema>;

/** The longest terminal id whose own projectNo, `{terminalId}-{sessionId}` (a 36-character UUID), fits gov-form's 50. */
export const GOV_FORM_MAX_TERMINAL_ID = 13;

/** The provisioning file of terminal-cli.md. Unknown fields are errors: a typo must not pass silently. */
export const provisioningFileSchema = z
  .strictObject({
    terminal: z.strictObject({
      terminalId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_", at most 64'),
      areaCode: z.string().regex(/^(\d{6}|\d{12})$/, '行政区划代码 of 6 or 12 digits'),
      hallCode: nonEmpty.max(64),
      windowCode: nonEmpty.max(64),
    }),
    province: provinceFileSchema,
    devices: z
      .strictObject({
        keypad: keypadSchema.default({ type: 'none' }),
        badge: badgeSchema.default({ type: 'keyboard' }),
      })
      .default({ keypad: { type: 'none' }, badge: { type: 'keyboard' } }),
    localApi: z
      .strictObject({
        host: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8720),
        token: z.string().min(16, 'at least 16 characters').max(256),
        /** HTTPS for a business system on the hall LAN: PEM certificate and private key. */
        tls: z
          .strictObject({
            cert: z.string().superRefine((v, ctx) => {
              const why = checkCertificate(v);
              if (why) ctx.addIssue({ code: 'custom', message: why });
            }),
            key: z.string().superRefine((v, ctx) => {
              const why = checkPrivateKey(v);
              if (why) ctx.addIssue({ code: 'custom', message: why });
            }),
          })
          .optional(),
        /** Plain HTTP on the LAN: the bearer token travels in clear. Audited in the log at every start. */
        allowLan: z.boolean().default(false),
      })
      .superRefine((l, ctx) => {
        if (!isLoopbackHost(l.host) && !l.tls && !l.allowLan) {
          ctx.addIssue({ code: 'custom', path: ['host'], message: 'a non-loopback address needs "tls" (certificate and key) or an explicit "allowLan": true' });
        }
      }),
    technician: z.strictObject({
      pin,
      /** Badges that open the technician PIN pad at the window. */
      badgeIds: z.array(z.string().regex(BADGE_ID, BADGE_ID_MESSAGE)).max(20).default([]),
    }),
    // The same shape as the province's answer, so the same v1.1 rule: null means absent.
    offlineConfig: z.preprocess(withoutNulls, offlineConfigSchema).optional(),
    /** Voice prompts on the screen: always, never, or only for a citizen in elderly mode (issue 10). */
    voice: z.enum(['on', 'off', 'elderly-only']).default('on'),
    updates: updatesSettingsSchema.optional(),
    /** v1.3: the proxy to the province, its page and update downloads; without it the service environment's. */
    network: networkFileSchema.optional(),
  })
  .superRefine((f, ctx) => {
    // gov-form: a session without a 办件编号 is sent as the terminal's own projectNo `{terminalId}-{sessionId}` (a UUID,
    // 36 characters), and the province takes at most 50; a longer id would have every such rating refused.
    if (f.province.dialect === 'gov-form' && f.terminal.terminalId.length > GOV_FORM_MAX_TERMINAL_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['terminal', 'terminalId'],
        message: `at most ${String(GOV_FORM_MAX_TERMINAL_ID)} characters in the gov-form dialect (projectNo "{terminalId}-{sessionId}" must fit the province's 50)`,
      });
    }
    // province-page.md: every origin the page may come from, listed or the province's own by default, checked here
    // (the terminal's own host is the local API's, so the rule needs both sections).
    const page = f.province.page;
    if (page) {
      const rules = { allowInsecureHttp: f.province.allowInsecureHttp, localApiHost: f.localApi.host };
      pageOrigins(f.province).forEach((origin, i) => {
        const why = pageOriginProblem(origin, rules);
        if (!why) return;
        ctx.addIssue({
          code: 'custom',
          path: page.origins ? ['province', 'page', 'origins', i] : ['province', 'page', 'origins'],
          message: page.origins ? why : `${why} (the default, from the province's own addresses: list the page's origins)`,
        });
      });
    }
  });

export type ProvisioningFile = z.infer<typeof provisioningFileSchema>;
export type KeypadSettings = z.infer<typeof keypadSchema>;
export type BadgeSettings = z.infer<typeof badgeSchema>;

/** What is kept in the database: the file minus its secrets, which are sealed or hashed. */
export const storedProvisioningSchema = z.strictObject({
  terminal: provisioningFileSchema.shape.terminal,
  province: provinceStoredSchema,
  devices: z.strictObject({ keypad: keypadSchema, badge: badgeSchema }),
  localApi: z.strictObject({
    host: z.string(),
    port: z.number().int(),
    tokenSealed: z.string(),
    tls: z.strictObject({ cert: z.string(), keySealed: z.string() }).optional(),
    allowLan: z.boolean().default(false),
  }),
  technicianPinHash: z.string(),
  technicianBadgeIds: z.array(z.string()).default([]),
  staffPinHashes: z.record(z.string(), z.string()),
  demo: z.boolean().default(false),
  voice: z.enum(['on', 'off', 'elderly-only']).default('on'),
  updates: updatesSettingsSchema.optional(),
  network: networkStoredSchema.optional(),
});
export type StoredProvisioning = z.infer<typeof storedProvisioningSchema>;

export function describeProvisioningIssues(error: z.ZodError): string {
  return describeIssues(error, '(file)').split('; ').join('\n');
}
