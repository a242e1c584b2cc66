import { chromium } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../main/provisioning/apply.js';
import { pageSettings, provinceAccount, sealProvince } from '../../main/provisioning/province-schema.js';
import { ClockOffset } from '../../sync/clock-offset.js';
import type { LinkOutcome, PageLinkRequest, PageSource, PageStatusOutcome, ProvinceAdapter } from '../../sync/province/adapter.js';
import { createProvinceAdapter } from '../../sync/province/factory.js';
import { NO_FAULTS, type FaultKind } from '../../sync/province-sim/faults.js';
import { DUPLICATE_MESSAGE, PAGE_HOST } from '../../sync/province-sim/page-host.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/playwright.config.js';
import { dialects, type Dialect, type Province } from '../helpers/dialects.js';
import { waitFor } from '../helpers/until.js';

/**
 * Page mode's conformance (province-page.md), once per dialect against its simulator: the page link with its
 * returnUrl, the page on an origin of its own, a rating on it that the status then reports, the second one refused,
 * and each fault of the simulators' as the adapter answers it.
 */

const RETURN = 'http://127.0.0.1:8720/page-return';

describe.each(dialects)('page mode against the $name simulator', (d: Dialect) => {
  let province: Province;
  let adapter: ProvinceAdapter;
  let page: PageSource;
  let terminalId: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    province = await d.start();
    cleanups.push(() => province.close());
    const file = parseProvisioning(d.provisioning({ baseUrl: province.url, page: { origins: [province.pageOrigin] } }));
    const secret = file.province.dialect === 'gov-form' ? file.province.appWord : file.province.appSecret;
    terminalId = file.terminal.terminalId;
    adapter = createProvinceAdapter(provinceAccount(file.province, secret, terminalId, file.terminal.areaCode), { clock: new ClockOffset(), timeoutMs: 3000 });
    if (!adapter.page) throw new Error(`the ${d.name} adapter has no page mode`);
    page = adapter.page;
    // The provisioned page settings reach the stored provisioning, where the runtime reads them.
    const stored = await sealProvince(file.province, (plain) => Promise.resolve(`sealed:${plain.length}`));
    expect(pageSettings({ province: stored, localApi: file.localApi })).toEqual({ origins: [province.pageOrigin], loadTimeoutMs: 5000, statusPollMs: 2000 });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const invitation = (): PageLinkRequest => {
    const sessionId = randomUUID();
    return { terminalId, sessionId, proManager: 'SM0012', returnUrl: `${RETURN}?session=${sessionId}` };
  };
  const faults = (...kinds: FaultKind[]) => province.setFaults({ rates: Object.fromEntries(kinds.map((k) => [k, 1])), skewMs: 0, seed: 7 });
  const linkOf = (o: LinkOutcome): string => {
    if (o.kind !== 'link') throw new Error(`no page link: ${JSON.stringify(o)}`);
    return o.url;
  };
  /** What the page's button does: the level posted to the page's own origin. */
  const rateOnPage = async (url: string, satisfaction: number) => {
    const res = await fetch(`${url}/rate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ satisfaction }) });
    return (await res.json()) as { success: string; message: string };
  };
  const rated = (o: PageStatusOutcome) => (o.kind === 'status' ? o : expect.fail(`no status: ${JSON.stringify(o)}`));

  it('answers a page link on the page’s own origin, served 200 text/html with five buttons that return to returnUrl', async () => {
    const req = invitation();
    const url = linkOf(await page.pageLink(req, 3000));
    expect(new URL(url).origin).toBe(province.pageOrigin);
    expect(new URL(url).hostname).toBe(PAGE_HOST);
    expect(new URL(url).origin).not.toBe(new URL(province.url).origin);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    for (const level of ['非常满意', '满意', '基本满意', '不满意', '非常不满意']) expect(html).toContain(`>${level}</button>`);
    expect(html).toContain(JSON.stringify(req.returnUrl));
    expect(html).toContain('location.href = page.returnUrl');
    expect(rated(await page.pageStatus(req, 3000))).toEqual({ kind: 'status', sessionId: req.sessionId, rated: false });
  });

  it('a rating on the page makes the status rated with its level and evalId; a second is refused 评价数据不可重复', async () => {
    const req = invitation();
    const url = linkOf(await page.pageLink(req, 3000));
    expect(await rateOnPage(url, 2)).toMatchObject({ success: 'true' });
    const first = rated(await page.pageStatus(req, 3000));
    expect(first).toMatchObject({ sessionId: req.sessionId, rated: true, satisfaction: 2, evalId: expect.any(String) as string });
    expect(await rateOnPage(url, 5)).toEqual(expect.objectContaining({ success: 'false', message: DUPLICATE_MESSAGE }));
    expect(rated(await page.pageStatus(req, 3000))).toEqual(first);
  });

  it('reports a rating made at the province directly (a phone by the QR code) as rated, and refuses the page’s after it', async () => {
    const req = invitation();
    const url = linkOf(await page.pageLink(req, 3000));
    expect(province.rateAtProvince(req, 5)).toBe(true);
    expect(rated(await page.pageStatus(req, 3000))).toMatchObject({ rated: true, satisfaction: 5 });
    expect(await rateOnPage(url, 1)).toMatchObject({ success: 'false', message: DUPLICATE_MESSAGE });
  });

  it('keeps the QR code’s link apart: a failing page link leaves createLink working', async () => {
    faults('linkFail');
    const req = invitation();
    expect(await page.pageLink(req, 3000)).toMatchObject({ kind: 'transient' });
    expect(await adapter.createLink(req, 3000)).toMatchObject({ kind: 'link' });
  });

  it('a hanging page link is a transient within the caller’s timeout', async () => {
    faults('linkHang');
    expect(await page.pageLink(invitation(), 300)).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/no answer within/) as string });
  });

  it('a foreign URL is answered as it is, off the page’s origins, for the terminal to refuse', async () => {
    faults('foreignUrl');
    const url = linkOf(await page.pageLink(invitation(), 3000));
    expect(new URL(url).origin).not.toBe(province.pageOrigin);
  });

  it('the page answering 500 is what the terminal’s own fetch sees', async () => {
    const url = linkOf(await page.pageLink(invitation(), 3000));
    faults('page500');
    const res = await fetch(url);
    expect(res.status).toBe(500);
  });

  it('a slow, garbled or foreign status answer is never a verdict', async () => {
    const req = invitation();
    linkOf(await page.pageLink(req, 3000));
    province.rateAtProvince(req, 4);
    faults('statusSlow');
    expect(await page.pageStatus(req, 300)).toMatchObject({ kind: 'transient' });
    faults('statusGarbage');
    expect(await page.pageStatus(req, 3000)).toMatchObject({ kind: 'transient' });
    faults('statusOther');
    expect(await page.pageStatus(req, 3000)).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/another session/) as string });
    province.setFaults(NO_FAULTS);
    expect(rated(await page.pageStatus(req, 3000))).toMatchObject({ rated: true, satisfaction: 4 });
  });

  it('in chromium, inside the kiosk’s sandboxed frame: a button rates, and the frame goes to returnUrl', async () => {
    // The terminal's side, on 127.0.0.1: a kiosk page framing the province's page as the spec sandboxes it, and returnUrl.
    const returned: string[] = [];
    let frameSrc = '';
    const terminal = createServer((req, res) => {
      if (req.url?.startsWith('/page-return')) {
        returned.push(req.url);
        res.writeHead(200, { 'content-type': 'text/html' }).end('<p>back</p>');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<iframe sandbox="allow-scripts allow-forms allow-same-origin" referrerpolicy="no-referrer" src="${frameSrc}"></iframe>`);
    });
    await new Promise<void>((resolve) => terminal.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => terminal.close(() => resolve())));
    const own = `http://127.0.0.1:${String((terminal.address() as AddressInfo).port)}`;
    const sessionId = randomUUID();
    const req = { terminalId, sessionId, proManager: 'SM0012', returnUrl: `${own}/page-return?session=${sessionId}` };
    frameSrc = linkOf(await page.pageLink(req, 3000));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());
    const tab = await browser.newPage();
    await tab.goto(own);
    await tab.frameLocator('iframe').getByRole('button', { name: '满意', exact: true }).click();
    await waitFor(() => returned.length === 1, 'the frame reaching returnUrl', 10_000);
    expect(returned).toEqual([`/page-return?session=${sessionId}`]);
    expect(rated(await page.pageStatus(req, 3000))).toMatchObject({ rated: true, satisfaction: 4 });
  });
});
