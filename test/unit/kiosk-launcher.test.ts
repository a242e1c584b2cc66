import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetSiteData, kioskBrowserArgs, kioskProfileDir, refuseTranslation } from '../../main/cli/kiosk.js';
import { spawnSync } from 'node:child_process';
import { kioskNetworkArgs } from '../../main/host/kiosk-network.js';
import { CERTUTIL, trustKioskCas } from '../../main/host/kiosk-trust.js';
import { makeTestCa } from '../helpers/test-ca.js';
import { scratchDirs } from '../helpers/fixtures.js';

const dir = scratchDirs();
const prefsOf = (profile: string) => join(profile, 'Default', 'Preferences');
const read = (profile: string): unknown => JSON.parse(readFileSync(prefsOf(profile), 'utf8'));

describe('the kiosk launcher’s browser profile', () => {
  it('is in the desktop user’s config folder, and the window is started on it', () => {
    expect(kioskProfileDir({ XDG_CONFIG_HOME: '/home/kiosk/.config' })).toBe('/home/kiosk/.config/hcp-terminal/kiosk-browser');
    expect(kioskBrowserArgs('file:///d/kiosk/launch.html', '/p')).toContain('--user-data-dir=/p');
  });

  it('offers no translation on a fresh profile', () => {
    const profile = join(dir(), 'kiosk-browser');
    refuseTranslation(profile);
    expect(read(profile)).toEqual({ translate: { enabled: false } });
    expect(statSync(prefsOf(profile)).mode & 0o077).toBe(0);
  });

  it('turns translation off in a profile Chromium has used, keeping everything else it holds', () => {
    const profile = dir();
    mkdirSync(join(profile, 'Default'));
    const used = {
      intl: { accept_languages: 'zh-CN,zh' },
      translate: { enabled: true },
      translate_blocked_languages: ['zh-CN'],
      session: { restore_on_startup: 1 },
    };
    writeFileSync(prefsOf(profile), JSON.stringify(used));
    refuseTranslation(profile);
    expect(read(profile)).toEqual({ ...used, translate: { enabled: false } });
  });

  it('starts the settings afresh from a file that is not a JSON object, as Chromium would', () => {
    for (const junk of ['{"translate":', '[1,2]', 'null']) {
      const profile = dir();
      mkdirSync(join(profile, 'Default'));
      writeFileSync(prefsOf(profile), junk);
      refuseTranslation(profile);
      expect(read(profile)).toEqual({ translate: { enabled: false } });
    }
  });

  it('keeps no site’s cookies or storage from one boot to the next, and keeps the settings', () => {
    const profile = dir();
    const parts = [
      'Cookies',
      'Network/Cookies',
      'Local Storage/leveldb/000003.log',
      'IndexedDB/http_127.0.0.2_0.indexeddb.leveldb/LOG',
      'Service Worker/Database/CURRENT',
    ];
    for (const part of parts) {
      mkdirSync(join(profile, 'Default', part, '..'), { recursive: true });
      writeFileSync(join(profile, 'Default', part), 'kept by a page');
    }
    refuseTranslation(profile);
    forgetSiteData(profile);
    expect(parts.filter((part) => existsSync(join(profile, 'Default', part)))).toEqual([]);
    expect(read(profile)).toEqual({ translate: { enabled: false } });
  });
});

describe('the kiosk window’s Chromium switches', () => {
  const args = kioskBrowserArgs('file:///d/kiosk/launch.html', '/p');

  it('start the window as a 1 GiB board can hold it: low-memory mode, no GL driver, the network and audio services in the browser, no on-device model service', () => {
    // Each measured to move the figure (docs/performance.md, "The kiosk's memory, whole"); an unknown one would not.
    expect(args).toEqual(
      expect.arrayContaining([
        '--enable-low-end-device-mode',
        '--disable-gpu',
        '--enable-features=NetworkServiceInProcess2',
        '--disable-features=AudioServiceOutOfProcess',
        // No on-device model utility three minutes in (Chromium takes the class as measured and launches nothing).
        '--optimization-guide-performance-class=7',
      ]),
    );
    // Chromium reads only the last of a switch: each feature list once.
    for (const list of ['--enable-features=', '--disable-features=', '--js-flags='])
      expect(args.filter((a) => a.startsWith(list)).length).toBeLessThanOrEqual(1);
  });

  it('keep the sandbox and site isolation: the province’s page must stay in a process of its own', () => {
    const weakening = ['--no-sandbox', '--single-process', '--no-zygote', '--in-process-gpu', '--disable-site-isolation-trials', '--disable-web-security'];
    expect(args.filter((a) => weakening.some((w) => a === w || a.startsWith(`${w}=`)))).toEqual([]);
    expect(args.join(' ')).not.toMatch(/IsolateOrigins|site-per-process|SitePerProcess/i);
  });
});

describe('the kiosk launcher’s proxy switches', () => {
  it('passes the proxy and bypass list the terminal wrote beside the launch page, and nothing where there is no file', () => {
    const kiosk = dir();
    const network = { proxyServer: 'http://127.0.0.1:41234', bypassList: 'intranet.lan;*.intranet.lan', forwarderPort: 41234, caCertificates: [] };
    expect(kioskNetworkArgs(kiosk, () => undefined, { HOME: dir() })).toEqual([]);
    writeFileSync(join(kiosk, 'page-network.json'), JSON.stringify(network));
    expect(kioskNetworkArgs(kiosk, () => undefined, { HOME: dir() })).toEqual([
      '--proxy-server=http://127.0.0.1:41234',
      '--proxy-bypass-list=intranet.lan;*.intranet.lan',
    ]);
  });

  it('says so on stderr and passes nothing for a file that is not the terminal’s (a switch smuggled in, say)', () => {
    const kiosk = dir();
    const said: string[] = [];
    const network = { proxyServer: 'http://p:1 --no-sandbox', bypassList: '', forwarderPort: null, caCertificates: [] };
    writeFileSync(join(kiosk, 'page-network.json'), JSON.stringify(network));
    expect(kioskNetworkArgs(kiosk, (l) => said.push(l), { HOME: dir() })).toEqual([]);
    expect(said.join('\n')).toMatch(/is not what the terminal writes/);
  });
});

describe('the kiosk launcher and the province page’s CAs', () => {
  const listed = (home: string) => spawnSync(CERTUTIL, ['-d', `sql:${join(home, '.pki', 'nssdb')}`, '-L'], { encoding: 'utf8' }).stdout;
  const ours = (home: string) =>
    listed(home)
      .split('\n')
      .filter((l) => l.startsWith('hcp-terminal CA '));

  it.skipIf(!existsSync(CERTUTIL))('puts them in the desktop user’s NSS database for TLS servers, and takes out the ones no longer provisioned', () => {
    const home = dir();
    const kiosk = dir();
    const [a, b] = [makeTestCa('Hall CA A').ca.cert, makeTestCa('Hall CA B').ca.cert];
    const write = (caCertificates: string[]) =>
      writeFileSync(join(kiosk, 'page-network.json'), JSON.stringify({ proxyServer: null, bypassList: '', forwarderPort: null, caCertificates }));
    write([a, b]);
    const said: string[] = [];
    kioskNetworkArgs(kiosk, (l) => said.push(l), { HOME: home });
    expect(said).toEqual([]);
    expect(ours(home)).toHaveLength(2);
    for (const line of ours(home)) expect(line).toMatch(/\sC,,\s*$/);
    // The desktop's own CAs are left alone; a CA no longer provisioned goes.
    spawnSync(CERTUTIL, ['-d', `sql:${join(home, '.pki', 'nssdb')}`, '-A', '-n', 'Desktop own', '-t', 'C,,', '-i', join(makeTestCa('Desktop').dir, 'ca.pem')]);
    write([b]);
    kioskNetworkArgs(kiosk, (l) => said.push(l), { HOME: home });
    expect(ours(home)).toHaveLength(1);
    expect(listed(home)).toContain('Desktop own');
    expect(said).toEqual([]);
  });

  it('says on stderr that the desktop must trust them where certutil is not installed', () => {
    const said: string[] = [];
    trustKioskCas(['PEM'], { env: { HOME: dir() }, certutil: join(dir(), 'no-certutil'), say: (l) => said.push(l) });
    expect(said.join('\n')).toMatch(/install libnss3-tools/);
  });
});
