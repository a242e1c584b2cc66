import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './until.js';

export interface Tinyproxy {
  port: number;
  /** `http://[user:pass@]127.0.0.1:port` */
  url(auth?: { user: string; pass: string }): string;
  /** What it logged (every CONNECT it served names its target). */
  log(): string;
  stop(): Promise<void>;
}

/** Debian's tinyproxy in the foreground on a free loopback port, with its own config (BasicAuth when `auth` is given). */
export async function startTinyproxy(auth?: { user: string; pass: string }): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyproxy-'));
  const port = await freePort();
  const conf = join(dir, 'tinyproxy.conf');
  // No ConnectPort line: CONNECT to any port (the simulator's is random). No LogFile: it logs to its standard error.
  writeFileSync(
    conf,
    [
      `Port ${String(port)}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      'MaxClients 20',
      'LogLevel Info',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      ...(auth ? [`BasicAuth ${auth.user} ${auth.pass}`] : []),
      '',
    ].join('\n'),
  );
  let out = '';
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(() => listening(port), `tinyproxy listening on ${String(port)}`, 10_000);
  return {
    port,
    url: (a) => `http://${a ? `${encodeURIComponent(a.user)}:${encodeURIComponent(a.pass)}@` : ''}127.0.0.1:${String(port)}`,
    log: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
