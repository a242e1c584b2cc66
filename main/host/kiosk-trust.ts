import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's libnss3-tools. */
export const CERTUTIL = '/usr/bin/certutil';
/** Every CA the launcher put in the desktop user's NSS database is named so, and only those are ever removed. */
const NICK_PREFIX = 'hcp-terminal CA ';

/**
 * The provisioned `province.tls.caCertificates` into the desktop user's NSS database (`~/.pki/nssdb`, where Chromium on
 * Linux reads the user's own CAs), trusted for TLS servers; ones the launcher put there before that are no longer
 * provisioned are taken out. Without certutil the launcher says so: the hall's desktop must then trust the CA itself.
 * Never fails the launch: a kiosk without its screen is worse than a page that does not load.
 */
export function trustKioskCas(
  cas: readonly string[],
  o: { env?: NodeJS.ProcessEnv; certutil?: string; say: (line: string) => void } = { say: () => undefined },
): void {
  const certutil = o.certutil ?? CERTUTIL;
  const home = o.env?.['HOME'] || homedir();
  const dir = join(home, '.pki', 'nssdb');
  if (!existsSync(certutil)) {
    if (cas.length > 0)
      o.say(
        `the province's page needs ${String(cas.length)} CA(s) the kiosk's browser does not know: install libnss3-tools (certutil), or have the desktop trust them (docs/technician.md)`,
      );
    return;
  }
  if (cas.length === 0 && !existsSync(dir)) return;
  const db = `sql:${dir}`;
  const run = (args: string[]) => spawnSync(certutil, ['-d', db, ...args], { encoding: 'utf8', timeout: 20_000 });
  try {
    if (!existsSync(join(dir, 'cert9.db'))) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const made = run(['-N', '--empty-password']);
      if (made.status !== 0) throw new Error(made.stderr.trim() || `certutil -N exited ${String(made.status)}`);
    }
    const wanted = new Map(cas.map((pem) => [`${NICK_PREFIX}${createHash('sha256').update(pem.trim()).digest('hex').slice(0, 16)}`, pem]));
    const listed = run(['-L']);
    const present = new Set(
      listed.stdout
        .split('\n')
        .map((l) => /^(hcp-terminal CA [0-9a-f]{16})\s/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    );
    for (const nick of present) if (!wanted.has(nick)) run(['-D', '-n', nick]);
    const tmp = mkdtempSync(join(tmpdir(), 'hcp-ca-'));
    try {
      for (const [nick, pem] of wanted) {
        if (present.has(nick)) continue;
        const file = join(tmp, 'ca.pem');
        writeFileSync(file, pem);
        const added = run(['-A', '-n', nick, '-t', 'C,,', '-i', file]);
        if (added.status !== 0) throw new Error(added.stderr.trim() || `certutil -A exited ${String(added.status)}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    o.say(`the province's page CAs could not be put in ${dir}: ${(e as Error).message}; the page may not load in the kiosk's browser`);
  }
}
