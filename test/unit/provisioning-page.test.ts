import { describe, expect, it } from 'vitest';
import type { ProvisioningDraft } from '../../main/bridge/technician.js';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { checkDraft, formFromFile } from '../../main/provisioning/form.js';
import { pageSettings, sealProvince } from '../../main/provisioning/province-schema.js';
import { terminalConfigSchema } from '../../main/core/config.js';
import { provisioningFile, SM2_KEYS } from '../helpers/fixtures.js';
import { provisioningRefusal as errorOf } from '../helpers/in-process.js';

/** province-page.md's provisioning: `province.page` (the technician's) and `rating.surface` (the rating policy's). */

const HCP = { baseUrl: 'https://hcp.example.gov.cn', offlineLinkTemplate: 'https://m.hcp.example.gov.cn/m/e?t={terminalId}&s={sessionId}&sig={sig}' };
const GOV = {
  dialect: 'gov-form',
  baseUrl: 'https://hcp.example.gov.cn/pubservice',
  appMark: 'mark-1',
  appWord: 'word-1',
  sm2PublicKey: SM2_KEYS.publicKey,
  offlinePageTemplate: 'https://h5.hcp.example.gov.cn/h5/pj?param={param}',
};

function file(province: Record<string, unknown>, o: { localApi?: Record<string, unknown>; gov?: boolean } = {}): Record<string, unknown> {
  const f = provisioningFile();
  const base = o.gov ? GOV : { ...(f['province'] as Record<string, unknown>), ...HCP };
  return { ...f, province: { ...base, ...province }, ...(o.localApi ? { localApi: { ...(f['localApi'] as object), ...o.localApi } } : {}) };
}

const stored = async (json: Record<string, unknown>) => {
  const f = parseProvisioning(json);
  return pageSettings({ province: await sealProvince(f.province, (s) => Promise.resolve(`sealed:${s.length}`)), localApi: f.localApi });
};

describe('province.page', () => {
  it('defaults to the province’s own origins (baseUrl and the offline template), 5000 ms to load, a status every 2000 ms, in both dialects', async () => {
    expect(await stored(file({ page: {} }))).toEqual({
      origins: ['https://hcp.example.gov.cn', 'https://m.hcp.example.gov.cn'],
      loadTimeoutMs: 5000,
      statusPollMs: 2000,
    });
    expect(await stored(file({ page: { loadTimeoutMs: 15000, statusPollMs: 500 } }, { gov: true }))).toEqual({
      origins: ['https://hcp.example.gov.cn', 'https://h5.hcp.example.gov.cn'],
      loadTimeoutMs: 15000,
      statusPollMs: 500,
    });
  });

  it('keeps listed origins: https with a port, and http on a loopback address other than the terminal’s', async () => {
    const origins = ['https://pj.example.gov.cn:8443', 'http://127.0.0.2:9000', 'http://127.0.0.3'];
    expect((await stored(file({ page: { origins } }))).origins).toEqual(origins);
  });

  it('a terminal provisioned without it still has settings, minus origins the rules refuse (its own host, plain http)', async () => {
    expect(await stored(file({ baseUrl: 'http://127.0.0.1:8721', offlineLinkTemplate: undefined }))).toEqual({
      origins: [],
      loadTimeoutMs: 5000,
      statusPollMs: 2000,
    });
    expect((await stored(file({}))).origins).toEqual(['https://hcp.example.gov.cn', 'https://m.hcp.example.gov.cn']);
  });

  it.each([
    ['a path', 'https://pj.example.gov.cn/h5', /province\.page\.origins\.0: .*origin only, as https:\/\/pj\.example\.gov\.cn/],
    ['a trailing slash', 'https://pj.example.gov.cn/', /province\.page\.origins\.0: .*origin only/],
    ['the default port written out', 'https://pj.example.gov.cn:443', /province\.page\.origins\.0: .*origin only/],
    ['no URL', 'pj.example.gov.cn', /province\.page\.origins\.0: .*not an origin/],
    ['another scheme', 'ftp://pj.example.gov.cn', /province\.page\.origins\.0: .*not an origin/],
    ['plain http off loopback', 'http://pj.example.gov.cn', /province\.page\.origins\.0: .*must be https:\/\//],
    ['the terminal’s own address on another port', 'http://127.0.0.1:9999', /province\.page\.origins\.0: .*terminal's own host/],
    ['localhost, the same host as the terminal’s 127.0.0.1', 'http://localhost:8721', /province\.page\.origins\.0: .*terminal's own host/],
    ['every address', 'https://0.0.0.0:8443', /province\.page\.origins\.0: .*terminal's own host/],
  ])('refuses an origin with %s, naming the field', (_what, origin, message) => {
    expect(errorOf(file({ page: { origins: [origin] } }))).toMatch(message);
  });

  it('refuses the local API’s LAN address as a page origin, on any port; plain http off loopback passes with allowInsecureHttp', () => {
    const lan = { host: '192.168.10.5', allowLan: true };
    expect(errorOf(file({ page: { origins: ['https://192.168.10.5:8443'] } }, { localApi: lan }))).toMatch(
      /province\.page\.origins\.0: .*own host \(192\.168\.10\.5/,
    );
    expect(errorOf(file({ allowInsecureHttp: true, page: { origins: ['http://pj.example.gov.cn'] } }))).toBe('accepted');
  });

  it('refuses a default origin on the terminal’s own host, saying to list the page’s origins', () => {
    expect(errorOf(file({ baseUrl: 'http://127.0.0.1:8721', offlineLinkTemplate: undefined, page: {} }))).toMatch(
      /province\.page\.origins: .*own host.*list the page's origins/,
    );
  });

  it.each([
    ['loadTimeoutMs', 999],
    ['loadTimeoutMs', 15001],
    ['statusPollMs', 499],
    ['statusPollMs', 10001],
    ['statusPollMs', 1500.5],
  ])('refuses %s %d by field', (field, value) => {
    expect(errorOf(file({ page: { [field]: value } }))).toMatch(new RegExp(`province\\.page\\.${field}`));
    expect(errorOf(file({ page: { [field]: value } }, { gov: true }))).toMatch(new RegExp(`province\\.page\\.${field}`));
  });

  it('refuses an empty origins list and unknown fields', () => {
    expect(errorOf(file({ page: { origins: [] } }))).toMatch(/province\.page\.origins: at least one origin/);
    expect(errorOf(file({ page: { origin: 'https://a.example' } }))).toMatch(/province\.page/);
  });
});

describe('rating.surface', () => {
  it('is the terminal’s own screen unless the policy says province-page, in the province’s config and offlineConfig alike', () => {
    expect(terminalConfigSchema.parse({}).rating.surface).toBe('terminal');
    expect(terminalConfigSchema.parse({ rating: { surface: 'province-page' } }).rating.surface).toBe('province-page');
    const f = parseProvisioning(provisioningFile({ rating: { surface: 'province-page' } }));
    expect(f.offlineConfig?.rating.surface).toBe('province-page');
    expect(errorOf(provisioningFile({ rating: { surface: 'page' } }))).toMatch(/offlineConfig\.rating\.surface/);
  });
});

describe('province.page on the technician’s form', () => {
  const base = { dialect: 'hcp-json', appSecret: 'app-secret-123456', token: 'x'.repeat(16), tls: null, offlineConfig: undefined };
  const draftOf = (json: Record<string, unknown>): ProvisioningDraft => ({ ...formFromFile(parseProvisioning(json)), 'technician.pin': '135790' });

  it('shows the page’s fields and keeps them through a save; all empty is no page', () => {
    const draft = draftOf(file({ page: { origins: ['https://pj.example.gov.cn', 'https://h5.example.gov.cn:8443'], loadTimeoutMs: 8000 } }));
    expect(draft).toMatchObject({
      'province.page.origins': 'https://pj.example.gov.cn, https://h5.example.gov.cn:8443',
      'province.page.loadTimeoutMs': '8000',
      'province.page.statusPollMs': '2000',
    });
    const saved = checkDraft(draft, base);
    expect('file' in saved && saved.file.province.page).toEqual({
      origins: ['https://pj.example.gov.cn', 'https://h5.example.gov.cn:8443'],
      loadTimeoutMs: 8000,
      statusPollMs: 2000,
    });
    const none = checkDraft({ ...draft, 'province.page.origins': '', 'province.page.loadTimeoutMs': '', 'province.page.statusPollMs': '' }, base);
    expect('file' in none && none.file.province.page).toBeUndefined();
  });

  it('refuses by field: an origin on the terminal’s own host, a poll too fast', () => {
    const draft = draftOf(file({ page: {} }));
    expect(
      checkDraft({ ...draft, 'province.page.origins': 'https://pj.example.gov.cn, http://127.0.0.1:9000', 'province.page.statusPollMs': '100' }, base),
    ).toEqual({
      fields: expect.objectContaining({
        'province.page.origins': expect.stringMatching(/own host/) as string,
        'province.page.statusPollMs': expect.any(String) as string,
      }) as object,
    });
  });
});
