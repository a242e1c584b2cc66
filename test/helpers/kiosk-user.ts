import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The kiosk window as its desktop user runs it, for tests run as root: `hcp-terminal kiosk` started as that user with a
 * stand-in browser that records what it was asked to open, and that page read as that user and submitted as Chromium
 * submits it. What the terminal hands over, and to whom, is then exactly what a real kiosk would get.
 */

/** A command run as `user` (runuser: that user's own groups, as a login gets them). */
export function runAs(user: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('runuser', ['-u', user, '--', cmd, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: `${r.stderr}${r.error?.message ?? ''}` };
}

/** A stand-in for Chromium: writes its arguments, one a line, to `<dir>/<name>.args`, and exits. */
export function recordingBrowser(dir: string, name = 'browser'): { path: string; launched: () => string[] | null } {
  const path = join(dir, `${name}.sh`);
  const record = join(dir, `${name}.args`);
  writeFileSync(path, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\n`);
  chmodSync(path, 0o755);
  return { path, launched: () => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean) : null) };
}

/** The file a browser was told to open as its app window (`--app=file://…`). */
export function appFile(args: string[]): string {
  const app = args.find((a) => a.startsWith('--app='))?.slice('--app='.length);
  if (!app?.startsWith('file:')) throw new Error(`the browser was not given a launch file: ${args.join(' ')}`);
  return fileURLToPath(app);
}

/**
 * What the kiosk browser does with the launch page: POSTs its form (the secret) to its action and keeps the cookie the
 * terminal sets. Returns the Cookie header a page of that browser then sends.
 */
export async function claimFrom(page: string): Promise<string> {
  const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
  const secret = /name="secret" value="([^"]+)"/.exec(page)?.[1];
  if (!action || !secret) throw new Error(`not a launch page: ${page.slice(0, 200)}`);
  const res = await fetch(action, { method: 'POST', body: new URLSearchParams({ secret }), redirect: 'manual' });
  if (res.status !== 303) throw new Error(`the claim was answered ${String(res.status)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (!cookie.startsWith('hcp_kiosk=')) throw new Error('the claim set no kiosk cookie');
  return cookie;
}
