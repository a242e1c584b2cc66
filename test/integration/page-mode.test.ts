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
import { no, ok, startGovFormStub } from '../helpers/gov-form-stub.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/playwright.config.js';
import { dialects, type Dialect, type Province } from '../helpers/dialects.js';
import { waitFor } from '../helpers/until.js';
import { probePage } from '../../main/page/page-probe.js';

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

  it('测试连接 says whether an invitation now would show the page, and why not (a foreign origin, the page failing)', async () => {
    const settings = { origins: [province.pageOrigin], loadTimeoutMs: 3000, statusPollMs: 0 };
    expect(await probePage({ source: page, settings, terminalId, fetch })).toMatchObject({
      shown: true,
      message: expect.stringContaining(province.pageOrigin) as unknown,
    });
    const elsewhere = await probePage({ source: page, settings: { ...settings, origins: ['https://hcp.example.gov.cn'] }, terminalId, fetch });
    expect(elsewhere).toMatchObject({
      shown: false,
      message: expect.stringMatching(/is not one of province\.page\.origins \(https:\/\/hcp\.example\.gov\.cn\)/) as unknown,
    });
    faults('page500');
    expect(await probePage({ source: page, settings, terminalId, fetch })).toMatchObject({
      shown: false,
      message: expect.stringMatching(/not-200 \(HTTP 500\)/) as unknown,
    });
    faults('linkFail');
    expect(await probePage({ source: page, settings, terminalId, fetch })).toMatchObject({
      shown: false,
      message: expect.stringMatching(/^no page: the province gave no evaluation page link/) as unknown,
    });
  });

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

/** A loopback hcp-json province that answers whatever a test says and keeps what it was asked. */
async function jsonStub(answer: (path: string, body: Record<string, unknown>) => unknown) {
  const seen: { path: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const path = req.url ?? '';
      seen.push({ path, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(path, body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('page mode: what the adapters send and never believe', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
  });
  const sessionId = '6f1c2a4e-8b9d-4e0f-a1b2-c3d4e5f60718';
  const req = { terminalId: 'T-350402-0001', sessionId, proManager: 'SM0012', returnUrl: `${RETURN}?session=${sessionId}` };

  it('hcp-json: the tablet’s link carries channel and returnUrl; a status about another session or off 1–5 is ignored, null is absent', async () => {
    let status: unknown = { sessionId, status: 'rated', satisfaction: 9, evalId: 'E-1' };
    const stub = await jsonStub((path) =>
      path.endsWith('evaluation-links') ? { url: `https://hcp.example.gov.cn/h5/${'x'.repeat(600)}`, expiresAt: 'x' } : status,
    );
    stops.push(stub.close);
    const adapter = createProvinceAdapter(
      { dialect: 'hcp-json', baseUrl: stub.url, appKey: 'k', appSecret: 'secret-123', terminalId: req.terminalId, signAlg: 'HMAC-SM3' },
      { clock: new ClockOffset(), timeoutMs: 3000 },
    );
    // A URL past MAX_LINK_CHARS is no link, as for the QR code.
    expect(await adapter.page?.pageLink(req, 3000)).toMatchObject({ kind: 'transient' });
    expect(stub.seen[0]).toEqual({
      path: '/hcp/v1/evaluation-links',
      body: { terminalId: req.terminalId, sessionId, proManager: 'SM0012', channel: 'tablet', returnUrl: req.returnUrl },
    });
    expect(await adapter.page?.pageStatus(req, 3000)).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/outside 1–5/) as string });
    expect(stub.seen[1]).toEqual({ path: '/hcp/v1/evaluation-status', body: { terminalId: req.terminalId, sessionId } });
    status = { sessionId: 'another', status: 'rated', satisfaction: 5 };
    expect(await adapter.page?.pageStatus(req, 3000)).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/another session/) as string });
    status = { sessionId, status: 'pending', satisfaction: null, evalId: null, assessTime: null };
    expect(await adapter.page?.pageStatus(req, 3000)).toEqual({ kind: 'status', sessionId, rated: false });
  });

  it('gov-form: the service record first, then evaluation/url with pf 4 and returnUrl; status codes mapped, off 1–5 ignored', async () => {
    let status: object = { serviceNumber: sessionId, status: '1', satisfaction: '1', evalId: 'E-9', assessTime: '2026-12-07 10:00:00' };
    const stub = await startGovFormStub((r) => (r.path === 'service/submit' ? no('服务数据已存在') : r.path === 'evaluation/status' ? ok(status) : undefined));
    stops.push(stub.close);
    const adapter = createProvinceAdapter(
      {
        dialect: 'gov-form',
        baseUrl: stub.url,
        terminalId: req.terminalId,
        appMark: 'm',
        appWord: 'w',
        sm2PublicKey: stub.publicKey,
        satisfactionCodes: 'gbt',
        areaCode: '350402',
      },
      { clock: new ClockOffset(), timeoutMs: 3000 },
    );
    expect(await adapter.page?.pageLink(req, 3000)).toMatchObject({ kind: 'link', url: 'https://province.example/h5/e/1' });
    expect(stub.seen.map((s) => s.path)).toEqual(['service/submit', 'evaluation/url']);
    const projectNo = `${req.terminalId}-${sessionId}`;
    expect(stub.seen[0]?.payload).toMatchObject({ projectNo, serviceNumber: sessionId, areaCode: '350402', proManager: 'SM0012', proStatus: '3' });
    expect(stub.seen[1]?.payload).toEqual({ projectNo, serviceNumber: sessionId, pf: '4', type: '1', returnUrl: req.returnUrl });
    // gbt: "1" is 非常满意, 5 in the terminal's numbering.
    expect(await adapter.page?.pageStatus(req, 3000)).toEqual({
      kind: 'status',
      sessionId,
      rated: true,
      satisfaction: 5,
      evalId: 'E-9',
      assessTime: '2026-12-07 10:00:00',
    });
    expect(stub.seen[2]?.payload).toEqual({ projectNo, serviceNumber: sessionId });
    status = { serviceNumber: sessionId, status: '1', satisfaction: '7' };
    expect(await adapter.page?.pageStatus(req, 3000)).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/outside 1–5/) as string });
    status = { serviceNumber: 'another', status: '1', satisfaction: '1' };
    expect(await adapter.page?.pageStatus(req, 3000)).toMatchObject({ kind: 'transient', reason: expect.stringMatching(/another session/) as string });
  });
});
