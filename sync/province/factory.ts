import type { ClockOffset } from '../clock-offset.js';
import type { SignAlg } from '../crypto/gm.js';
import type { Dialect, ProvinceAdapter } from './adapter.js';
import { GovFormAdapter } from './gov-form/adapter.js';
import type { SatisfactionCodes } from './gov-form/payload.js';
import { JsonProvinceAdapter } from './json-adapter.js';

/** An `hcp-json` province (province-api.md): the default when provisioning names no dialect. */
export interface HcpJsonAccount {
  dialect?: 'hcp-json' | undefined;
  baseUrl: string;
  appKey: string;
  appSecret: string;
  terminalId: string;
  signAlg: SignAlg;
  /** The offline evaluation link; default: the province's `/m/e` page. */
  offlineLinkTemplate?: string | undefined;
}

/** A `gov-form` province (province-gov-form.md). */
export interface GovFormAccount {
  dialect: 'gov-form';
  baseUrl: string;
  terminalId: string;
  appMark: string;
  appWord: string;
  sm2PublicKey: string;
  satisfactionCodes: SatisfactionCodes;
  offlinePageTemplate?: string | undefined;
  /** The terminal's 行政区划, for the service record a page link sends first (province-page.md). */
  areaCode?: string | undefined;
}

/** What the terminal knows of its province: the dialect and that dialect's settings. */
export type ProvinceAccount = HcpJsonAccount | GovFormAccount;

export function dialectOf(a: ProvinceAccount): Dialect {
  return a.dialect ?? 'hcp-json';
}

/** Who the terminal is to its province, as an export bundle states it (`appKey`) and signs it (HMAC under the secret). */
export function bundleIdentity(a: ProvinceAccount): { appKey: string; appSecret: string; signAlg: SignAlg } {
  return a.dialect === 'gov-form'
    ? { appKey: a.appMark, appSecret: a.appWord, signAlg: 'HMAC-SM3' }
    : { appKey: a.appKey, appSecret: a.appSecret, signAlg: a.signAlg };
}

export interface AdapterSettings {
  clock: ClockOffset;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The one place a dialect is chosen: everything else (engine, connection test, conformance suite, bench) gets its
 * adapter here. A third dialect adds its account type above and one case below.
 */
export function createProvinceAdapter(a: ProvinceAccount, s: AdapterSettings): ProvinceAdapter {
  const common = {
    baseUrl: a.baseUrl,
    clock: s.clock,
    ...(s.timeoutMs === undefined ? {} : { timeoutMs: s.timeoutMs }),
    ...(s.fetch ? { fetch: s.fetch } : {}),
  };
  if (a.dialect === 'gov-form') {
    return new GovFormAdapter({
      ...common,
      terminalId: a.terminalId,
      credentials: { appMark: a.appMark, appWord: a.appWord, sm2PublicKey: a.sm2PublicKey },
      satisfactionCodes: a.satisfactionCodes,
      offlinePageTemplate: a.offlinePageTemplate,
      areaCode: a.areaCode,
    });
  }
  return new JsonProvinceAdapter({
    ...common,
    credentials: { appKey: a.appKey, appSecret: a.appSecret, terminalId: a.terminalId, signAlg: a.signAlg },
    offlineLinkTemplate: a.offlineLinkTemplate,
  });
}
