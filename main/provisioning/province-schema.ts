import { z } from 'zod';
import { isValidSm2PublicKey } from '../../sync/crypto/gm.js';
import { bareHost } from '../../sync/net/bare-host.js';
import type { Dialect } from '../../sync/province/adapter.js';
import type { ProvinceAccount } from '../../sync/province/factory.js';
import { provinceTlsSchema } from './network.js';
import { isLoopbackHost } from './tls.js';

/** The dialects sync/ speaks (checked against its type: a dialect added there and not here fails to compile). */
const DIALECTS = ['hcp-json', 'gov-form'] as const satisfies readonly Dialect[];
const _everyDialect: Dialect extends (typeof DIALECTS)[number] ? true : never = true;
/** Where `offlinePageTemplate` takes the encoded query (province-gov-form.md). */
const PARAM_PLACEHOLDER = '{param}';
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const baseUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
/** An uncompressed SM2 public key on the curve: the province's, or a vendor's update key. */
export const sm2PublicKey = z.string().refine(isValidSm2PublicKey, 'an uncompressed SM2 public key: "04" and 128 hex digits, a point on the curve');
const signAlg = z.enum(['HMAC-SM3', 'HMAC-SHA256']);
const satisfactionCodes = z.enum(['gbt', 'desc5'], { error: '"gbt" (1 = 非常满意, GB/T 39046) or "desc5" (5 = 非常满意)' });

/**
 * province-page.md: where the province's evaluation page may come from and how long the terminal waits for it. The
 * technician's (it decides what the kiosk may show); `origins` defaults to the province's own (see pageOrigins).
 */
export const pageSettingsSchema = z.strictObject({
  origins: z.array(z.string()).min(1, 'at least one origin, or leave "origins" out for the province’s own').max(8, 'at most 8 origins').optional(),
  loadTimeoutMs: z.number().int().min(1000).max(15000).default(5000),
  statusPollMs: z.number().int().min(500).max(10000).default(2000),
});
export type PageSettingsFile = z.infer<typeof pageSettingsSchema>;
/** What the runtime reads: the origins resolved. */
export interface PageSettings {
  origins: string[];
  loadTimeoutMs: number;
  statusPollMs: number;
}
const pageStored = z.strictObject({ origins: z.array(z.string()), loadTimeoutMs: z.number().int(), statusPollMs: z.number().int() });
export const PAGE_DEFAULTS = { loadTimeoutMs: 5000, statusPollMs: 2000 } as const;

/** The province's own origins: `baseUrl`'s and the offline link or page template's (without its placeholders). */
export function defaultPageOrigins(p: { baseUrl: string; offlineLinkTemplate?: string | undefined; offlinePageTemplate?: string | undefined }): string[] {
  const out = new Set<string>();
  for (const u of [p.baseUrl, p.offlineLinkTemplate, p.offlinePageTemplate]) {
    if (u === undefined) continue;
    try {
      out.add(new URL(u.replace(/\{[A-Za-z]+\}/g, 'x')).origin);
    } catch {
      // A template that is no URL has no origin to offer (the template's own field says what is wrong).
    }
  }
  return [...out];
}

/** The page's origins as provisioned: the listed ones, else the province's own. */
export function pageOrigins(p: {
  page?: PageSettingsFile | undefined;
  baseUrl: string;
  offlineLinkTemplate?: string | undefined;
  offlinePageTemplate?: string | undefined;
}): string[] {
  return p.page?.origins ?? defaultPageOrigins(p);
}

/** Addresses that are every address of the machine: a page there would be on the terminal's own host. */
const ANY_ADDRESS = ['0.0.0.0', '::'];

/** Whether `host` is the terminal's own (the local API's address, where the kiosk page and `returnUrl` live). */
export function isTerminalHost(host: string, localApiHost: string): boolean {
  const h = bareHost(host).toLowerCase();
  const own = bareHost(localApiHost).toLowerCase();
  // The kiosk page and returnUrl are on 127.0.0.1 whatever the API listens on; `localhost` is the same host to a resolver.
  const kiosk = ['127.0.0.1', 'localhost'];
  return h === own || kiosk.includes(h) || ANY_ADDRESS.includes(h) || (kiosk.includes(own) && kiosk.includes(h));
}

/**
 * Why `origin` may not be a page origin (province-page.md), in words for the technician; null when it may. Exactly
 * `https://host[:port]` as a browser writes it (no path, no default port); `http://` only on loopback or with
 * `allowInsecureHttp`; never the terminal's own host, on any port (the same site: the kiosk's cookie would reach it).
 */
export function pageOriginProblem(origin: string, o: { allowInsecureHttp: boolean; localApiHost: string }): string | null {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return `"${origin}" is not an origin: write https://host[:port]`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `"${origin}" is not an origin: write https://host[:port]`;
  if (u.origin !== origin) return `"${origin}" must be an origin only, as ${u.origin} (no path, query, user or default port)`;
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname) && !o.allowInsecureHttp)
    return `"${origin}" must be https:// (plain http only for a loopback address, or with "allowInsecureHttp": true in a lab)`;
  if (isTerminalHost(u.hostname, o.localApiHost))
    return `"${origin}" is on the terminal's own host (${o.localApiHost}, the local API's address): a page there would share the kiosk's site and cookie`;
  return null;
}

/** province-api.md (`hcp-json`, the default): app key and secret, HMAC signing. */
const hcpJsonProvince = z.strictObject({
  dialect: z.literal('hcp-json'),
  baseUrl,
  /** A lab's plain-HTTP province: names, comments, the roster and the clock would travel unauthenticated. Audited in the log at every start. */
  allowInsecureHttp: z.boolean().default(false),
  /** v1.3: CAs trusted for the province's HTTPS besides the OS store. */
  tls: provinceTlsSchema.optional(),
  appKey: nonEmpty.max(128),
  appSecret: z.string().min(8, 'at least 8 characters').max(256),
  signAlg: signAlg.default('HMAC-SM3'),
  sm2PublicKey: sm2PublicKey.optional(),
  // Short enough that the link it makes (a 64-character signature, a session id) is a QR code a phone reads.
  offlineLinkTemplate: z
    .string()
    .max(256, 'at most 256 characters')
    .refine((t) => ['{terminalId}', '{sessionId}', '{sig}'].every((p) => t.includes(p)), 'a URL template with {terminalId}, {sessionId} and {sig}')
    .optional(),
  page: pageSettingsSchema.optional(),
});

/** province-gov-form.md: `appMark` / `appWord`, everything SM2-encrypted under the province's key (so the key is required). */
const govFormProvince = z.strictObject({
  dialect: z.literal('gov-form'),
  baseUrl,
  allowInsecureHttp: z.boolean().default(false),
  tls: provinceTlsSchema.optional(),
  appMark: nonEmpty.max(128),
  appWord: z.string().min(1, 'must not be empty').max(256),
  sm2PublicKey,
  satisfactionCodes: satisfactionCodes.default('desc5'),
  // {param} is about 350 characters of base64: the rest must leave the link short enough to scan as a QR code.
  offlinePageTemplate: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL template with {param}' })
    .max(128, 'at most 128 characters')
    .refine((t) => t.includes(PARAM_PLACEHOLDER), 'a URL template with {param}')
    .optional(),
  page: pageSettingsSchema.optional(),
});

const dialectField = z.enum(DIALECTS, { error: `one of ${DIALECTS.map((d) => `"${d}"`).join(', ')}` });

/** `province` of the provisioning file: by `dialect` (absent: `hcp-json`), each dialect with its own fields. */
export const provinceFileSchema = z
  .preprocess(
    (p) => (p && typeof p === 'object' && !Array.isArray(p) && !('dialect' in p) ? { ...p, dialect: 'hcp-json' } : p),
    z.looseObject({ dialect: dialectField }).pipe(z.discriminatedUnion('dialect', [hcpJsonProvince, govFormProvince])),
  )
  .superRefine((p, ctx) => {
    const url = new URL(p.baseUrl);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !p.allowInsecureHttp) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'must be https:// (plain http only for a loopback address, or with "allowInsecureHttp": true in a lab)',
      });
    }
  });
export type ProvinceFile = z.infer<typeof provinceFileSchema>;

const hcpJsonStored = z.strictObject({
  dialect: z.literal('hcp-json').default('hcp-json'),
  baseUrl: z.string(),
  allowInsecureHttp: z.boolean().default(false),
  tls: z.strictObject({ caCertificates: z.array(z.string()) }).optional(),
  appKey: z.string(),
  appSecretSealed: z.string(),
  signAlg: signAlg.default('HMAC-SM3'),
  sm2PublicKey: z.string().optional(),
  offlineLinkTemplate: z.string().optional(),
  page: pageStored.optional(),
});

const govFormStored = z.strictObject({
  dialect: z.literal('gov-form'),
  baseUrl: z.string(),
  allowInsecureHttp: z.boolean().default(false),
  tls: z.strictObject({ caCertificates: z.array(z.string()) }).optional(),
  appMark: z.string(),
  appWordSealed: z.string(),
  sm2PublicKey: z.string(),
  satisfactionCodes: satisfactionCodes.default('desc5'),
  offlinePageTemplate: z.string().optional(),
  page: pageStored.optional(),
});

/** What is kept in the database: the province minus its secret, which is sealed (a terminal stored before dialects is `hcp-json`). */
export const provinceStoredSchema = z.union([govFormStored, hcpJsonStored]);
export type ProvinceStored = z.infer<typeof provinceStoredSchema>;

/** The file's province with its secret sealed. */
export async function sealProvince(p: ProvinceFile, seal: (plain: string) => Promise<string>): Promise<ProvinceStored> {
  // The page's origins are kept resolved, as they were checked (provisioningFileSchema), whatever the defaults become.
  const page = p.page ? { page: { origins: pageOrigins(p), loadTimeoutMs: p.page.loadTimeoutMs, statusPollMs: p.page.statusPollMs } } : {};
  if (p.dialect === 'gov-form') {
    const { appWord, page: _file, ...rest } = p;
    return { ...rest, ...page, appWordSealed: await seal(appWord) };
  }
  const { appSecret, page: _file, ...rest } = p;
  return { ...rest, ...page, appSecretSealed: await seal(appSecret) };
}

/**
 * Page mode's settings for the runtime (province-page.md): the provisioned ones, or, for a terminal provisioned
 * without `province.page`, the defaults with the province's own origins that pass the rules (none on the terminal's
 * own host or over plain http off loopback). No origin left means no page: the terminal's own screen is shown.
 */
export function pageSettings(p: { province: ProvinceStored; localApi: { host: string } }): PageSettings {
  if (p.province.page) return p.province.page;
  const rules = { allowInsecureHttp: p.province.allowInsecureHttp, localApiHost: p.localApi.host };
  return { origins: defaultPageOrigins(p.province).filter((o) => pageOriginProblem(o, rules) === null), ...PAGE_DEFAULTS };
}

/** The sealed secret of either dialect (`appSecret` or `appWord`). */
export function provinceSecretSealed(p: ProvinceStored): string {
  return p.dialect === 'gov-form' ? p.appWordSealed : p.appSecretSealed;
}

/** The id a bundle of this terminal's states as its `appKey`: the app key, or gov-form's `appMark`. */
export function provinceAppId(p: ProvinceStored): string {
  return p.dialect === 'gov-form' ? p.appMark : p.appKey;
}

/** The secret's field in the provisioning file, for audit lines and the form. */
export function provinceSecretField(p: { dialect?: string }): 'province.appWord' | 'province.appSecret' {
  return p.dialect === 'gov-form' ? 'province.appWord' : 'province.appSecret';
}

/**
 * What the sync engine needs of the province, with the secret opened. `areaCode` (the terminal's 行政区划) goes into
 * the service record a gov-form page link sends first (province-page.md); a rating carries its own.
 */
export function provinceAccount(p: ProvinceStored | ProvinceFile, secret: string, terminalId: string, areaCode?: string): ProvinceAccount {
  if (p.dialect === 'gov-form') {
    return {
      areaCode,
      dialect: 'gov-form',
      baseUrl: p.baseUrl,
      terminalId,
      appMark: p.appMark,
      appWord: secret,
      sm2PublicKey: p.sm2PublicKey,
      satisfactionCodes: p.satisfactionCodes,
      offlinePageTemplate: p.offlinePageTemplate,
    };
  }
  return {
    dialect: 'hcp-json',
    baseUrl: p.baseUrl,
    terminalId,
    appKey: p.appKey,
    appSecret: secret,
    signAlg: p.signAlg,
    offlineLinkTemplate: p.offlineLinkTemplate,
  };
}
