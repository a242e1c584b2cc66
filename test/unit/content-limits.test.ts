import { describe, expect, it } from 'vitest';
import { CONTENT_LIMITS, terminalConfigSchema } from '../../main/core/config.js';
import { MIN_MODULE_PX, qrPath } from '../../renderer/src/components/qr-path.js';
import { defaultOfflinePageTemplate, offlinePageUrl } from '../../sync/province/gov-form/offline-page.js';
import { MAX_LINK_CHARS } from '../../sync/links.js';

const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `1${String(i).padStart(2, '0')}`, text: `原因${String(i)}` }));
const questions = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `q${String(i)}`, text: `问题${String(i)}` }));
const PREFIX = 'https://hcp.example.gov.cn/m?x=';
const url = (n: number) => PREFIX + 'a'.repeat(n - PREFIX.length);

/** The message zod gives for the config, or 'ok'. */
function refusal(config: unknown): string {
  const r = terminalConfigSchema.safeParse(config);
  return r.success ? 'ok' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('the content contract where config enters', () => {
  it('takes each list and URL at its maximum and refuses one more, naming the field', () => {
    expect(refusal({ tags: { byLevel: { '1': tags(CONTENT_LIMITS.tagsPerLevel) } } })).toBe('ok');
    expect(refusal({ tags: { byLevel: { '1': tags(CONTENT_LIMITS.tagsPerLevel + 1) } } })).toMatch(/^tags\.byLevel\.1: at most 20 tags a level$/);
    expect(refusal({ questions: questions(CONTENT_LIMITS.questions) })).toBe('ok');
    expect(refusal({ questions: questions(CONTENT_LIMITS.questions + 1) })).toMatch(/^questions: at most 10 questions$/);
    expect(refusal({ terminal: { staticQrUrl: url(CONTENT_LIMITS.staticQrUrlChars) } })).toBe('ok');
    expect(refusal({ terminal: { staticQrUrl: url(CONTENT_LIMITS.staticQrUrlChars + 1) } })).toMatch(/^terminal\.staticQrUrl: at most 512 characters/);
  });
});

describe('QR codes a phone can read off the screen', () => {
  const modulePx = (value: string, size: number) => {
    const p = qrPath(value, size);
    return p && size / p.n;
  };

  it('a value too long to encode, or too long for readable modules in its box, has no code (the screen shows its fallback)', () => {
    expect(qrPath(url(3000))).toBeNull();
    expect(qrPath(url(3000), 240)).toBeNull();
    expect(qrPath(url(1200), 180)).toBeNull();
  });

  it('every URL the schemas let in draws with modules of at least 2 px in the largest box it is shown in', () => {
    expect(modulePx(url(CONTENT_LIMITS.staticQrUrlChars), 180)).toBeGreaterThanOrEqual(MIN_MODULE_PX);
    expect(modulePx(url(MAX_LINK_CHARS), 180)).toBeGreaterThanOrEqual(MIN_MODULE_PX);
    // The gov-form offline page link (about 390 characters) at the largest allowed template.
    const template = defaultOfflinePageTemplate('https://hcp.example.gov.cn').replace('/h5/', `/${'p'.repeat(128 - 52)}/`);
    expect(template.length).toBeLessThanOrEqual(128);
    const link = offlinePageUrl(template, {
      projectNo: `T-350402-0001-${crypto.randomUUID()}`,
      sessionId: crypto.randomUUID(),
      terminalId: 'T-350402-0001',
      at: 0,
    });
    expect(link.length).toBeLessThanOrEqual(MAX_LINK_CHARS);
    expect(modulePx(link, 180)).toBeGreaterThanOrEqual(MIN_MODULE_PX);
  });

  it('prefers medium error correction and falls back to low only where the box needs it', () => {
    const short = qrPath(url(100), 132);
    const long = qrPath(url(250), 132);
    expect(short?.n).toBe(41 + 8);
    // 250 characters at medium correction are 65 modules, over 132 px's 62 readable ones: low correction's 57 fit.
    expect(long?.n).toBe(57 + 8);
  });
});
