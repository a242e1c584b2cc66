import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TERMINAL_V8_FLAGS } from '../runtime/v8-flags.js';
import { DataDirError } from '../store/errors.js';
import { parseCommandArgs, portArg, UsageError } from './args.js';
import { serviceFiles } from './service-unit.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const UNIT = 'hcp-terminal.service';
const AUTOSTART = 'hcp-terminal-kiosk.desktop';
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/i;

/** A passwd entry: the account's ids and its real home (which need not be /home/NAME, nor exist). */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** getent (so NSS and LDAP accounts count), else /etc/passwd. */
export function lookupAccount(name: string, passwdFile = '/etc/passwd'): Account | undefined {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  const lines = r.status === 0 && !r.error ? r.stdout : existsSync(passwdFile) ? readFileSync(passwdFile, 'utf8') : '';
  for (const line of lines.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && f[0] === name) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' };
  }
  return undefined;
}

/** Creates the folders of `path` that are missing, each owned by the account (not root), and returns them. */
function mkdirOwned(path: string, owner: Account): void {
  const missing: string[] = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) missing.unshift(p);
  mkdirSync(path, { recursive: true });
  for (const p of missing) chownSync(p, owner.uid, owner.gid);
}

/** The data directory, created if missing and handed to the service user, 0700 (terminal-cli.md). */
function prepareDataDir(dataDir: string, owner: Account): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const st = statSync(dataDir);
    if (st.uid !== owner.uid || st.gid !== owner.gid) chownSync(dataDir, owner.uid, owner.gid);
    chmodSync(dataDir, 0o700);
  } catch (err) {
    throw new DataDirError(`cannot give ${dataDir} to ${owner.name}: ${(err as Error).message} (run install-service as root)`, 'not-writable');
  }
}

/**
 * \`hcp-terminal install-service\`: writes (or with --print shows) the systemd unit that starts the headless terminal at
 * boot and restarts it on failure, creates its data directory for the service user, and writes the kiosk's autostart
 * entry into the desktop user's real home (the service user has no desktop: use --kiosk-user, or none is written).
 */
export function installService(argv: string[]): number {
  const a = parseCommandArgs(
    argv,
    {
      'data-dir': { type: 'string' },
      user: { type: 'string' },
      'kiosk-user': { type: 'string' },
      port: { type: 'string' },
      print: { type: 'boolean' },
      'unit-dir': { type: 'string' },
      'autostart-dir': { type: 'string' },
    },
    ['data-dir'],
  );
  const dataDir = resolve(a.required('data-dir'));
  const user = a.string('user') ?? userInfo().username;
  const kioskUser = a.string('kiosk-user') ?? user;
  for (const name of [user, kioskUser]) if (!USER_NAME.test(name)) throw new UsageError(`${name} is not a user name`);
  const files = serviceFiles({
    dataDir,
    user,
    port: portArg(a.string('port')),
    command: [process.execPath, ...TERMINAL_V8_FLAGS, join(ROOT, 'bin', 'hcp-terminal.js')],
    documentation: `file://${join(ROOT, 'docs', 'technician.md')}`,
  });
  if (a.flag('print')) {
    process.stdout.write(`# ${UNIT}\n${files.unit}\n# ${AUTOSTART}\n${files.autostart}`);
    return 0;
  }
  const account = lookupAccount(user);
  if (!account) throw new UsageError(`--user ${user}: no such account (create it first, e.g. adduser --system ${user})`);
  prepareDataDir(dataDir, account);

  const unitPath = join(a.string('unit-dir') ?? '/etc/systemd/system', UNIT);
  mkdirSync(dirname(unitPath), { recursive: true });
  writeFileSync(unitPath, files.unit, { mode: 0o644 });
  chmodSync(unitPath, 0o644);

  const autostartPath = writeAutostart(files.autostart, kioskUser, a.string('autostart-dir'));
  process.stdout.write(
    JSON.stringify({
      event: 'installed',
      unit: unitPath,
      dataDir,
      autostart: autostartPath ?? null,
      ...(autostartPath ? {} : { note: `${kioskUser} has no home folder: no kiosk autostart entry written (use --kiosk-user or --autostart-dir)` }),
      next: `systemctl daemon-reload && systemctl enable --now ${UNIT}`,
    }) + '\n',
  );
  return 0;
}

/** The autostart entry, in --autostart-dir, else in the kiosk user's own home, owned by them; none without a home. */
function writeAutostart(text: string, kioskUser: string, dir: string | undefined): string | undefined {
  const account = lookupAccount(kioskUser);
  let target = dir;
  if (target === undefined) {
    // A system account (the service user) has no desktop; its home may even be the data directory.
    if (!account || account.uid < 1000 || account.home === '' || account.home === '/' || !existsSync(account.home)) return undefined;
    target = join(account.home, '.config', 'autostart');
    // Their home is theirs to fill with links (~/.config -> /etc, the entry -> /etc/shadow): root writes nothing there
    // itself, the entry is written by that user, with that user's rights (issue 24).
    if (process.getuid?.() === 0) {
      writeAs(account, target, text);
      return join(target, AUTOSTART);
    }
  }
  const path = join(target, AUTOSTART);
  if (account && process.getuid?.() === 0) mkdirOwned(target, account);
  else mkdirSync(target, { recursive: true });
  writeFileSync(path, text, { mode: 0o644 });
  chmodSync(path, 0o644);
  if (account && process.getuid?.() === 0) chownSync(path, account.uid, account.gid);
  return path;
}

/** Node, run as `account`, makes `dir` and writes the entry (given on stdin) into it; a link in the entry's place is refused. */
const WRITE_AS_USER = `const fs = process.getBuiltinModule('node:fs');
const [dir, name] = process.argv.slice(1);
fs.mkdirSync(dir, { recursive: true });
const fd = fs.openSync(dir + '/' + name, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
fs.writeSync(fd, fs.readFileSync(0));
fs.fchmodSync(fd, 0o644);
fs.closeSync(fd);`;

function writeAs(account: Account, dir: string, text: string): void {
  const r = spawnSync(process.execPath, ['-e', WRITE_AS_USER, dir, AUTOSTART], {
    uid: account.uid,
    gid: account.gid,
    cwd: '/',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    input: text,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').split('\n').find((l) => /Error|EACCES|ELOOP|EEXIST|ENOTDIR/.test(l)) ?? `exit ${String(r.status)}`;
    throw new DataDirError(`cannot write the kiosk autostart entry in ${dir} as ${account.name}: ${why.trim()}`, 'not-writable');
  }
}
