import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TERMINAL_V8_FLAGS } from '../runtime/v8-flags.js';
import { DataDirError } from '../store/errors.js';
import { parseCommandArgs, portArg, UsageError } from './args.js';
import { kioskDirOf } from '../host/kiosk-pass.js';
import { serviceFiles } from './service-unit.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const UNIT = 'hcp-terminal.service';
const AUTOSTART = 'hcp-terminal-kiosk.desktop';
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/i;
/** The group whose members' kiosk windows may rate (docs/security.md); the package creates the same. */
export const KIOSK_GROUP = 'hcp-kiosk';
/** A release of the package runs commands through the package's launcher, which outlives any one release. */
const PACKAGE_RELEASES = '/usr/lib/hcp-terminal/releases/';

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

/** getent group (so NSS groups count): the group's id, or undefined. */
function groupId(name: string): number | undefined {
  const r = spawnSync('getent', ['group', name], { encoding: 'utf8' });
  const gid = r.status === 0 ? Number(r.stdout.split(':')[2]) : NaN;
  return Number.isInteger(gid) ? gid : undefined;
}

/** Runs a user-database tool as root; its failure is the installer's, said in one line. */
function admin(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new UsageError(`${cmd} ${args.join(' ')} failed: ${(r.error?.message ?? r.stderr).trim()} (run install-service as root)`, false);
}

/**
 * The kiosk pass's handover folder for a kiosk window that is not the service user's: the kiosk group (made if
 * missing) with the kiosk user in it, and the folder the service's, that group's, 2750 (setgid: each page the service
 * writes there carries the group). Nobody else may look in (docs/security.md).
 */
function prepareKioskDir(dir: string, owner: Account, kioskUser: string, group: string): void {
  if (groupId(group) === undefined) admin('groupadd', ['--system', group]);
  const gid = groupId(group);
  if (gid === undefined) throw new UsageError(`the group ${group} could not be made`, false);
  admin('usermod', ['--append', '--groups', group, kioskUser]);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    chownSync(dir, owner.uid, gid);
    chmodSync(dir, 0o2750);
  } catch (err) {
    throw new DataDirError(`cannot hand ${dir} to ${owner.name}:${group}: ${(err as Error).message} (run install-service as root)`, 'not-writable');
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
      'kiosk-group': { type: 'string' },
    },
    ['data-dir'],
  );
  const dataDir = resolve(a.required('data-dir'));
  const user = a.string('user') ?? userInfo().username;
  const kioskUser = a.string('kiosk-user') ?? user;
  const kioskGroup = a.string('kiosk-group') ?? KIOSK_GROUP;
  for (const name of [user, kioskUser, kioskGroup]) if (!USER_NAME.test(name)) throw new UsageError(`${name} is not a user or group name`);
  // Another user's kiosk window cannot read the data directory (0700): the pass goes to it through its own folder.
  const kioskDir = kioskUser !== user ? kioskDirOf(dataDir) : undefined;
  const files = serviceFiles({
    dataDir,
    user,
    port: portArg(a.string('port')),
    command: ROOT.startsWith(PACKAGE_RELEASES) ? ['/usr/bin/hcp-terminal'] : [process.execPath, ...TERMINAL_V8_FLAGS, join(ROOT, 'bin', 'hcp-terminal.js')],
    documentation: `file://${join(ROOT, 'docs', 'technician.md')}`,
    kioskHandover: kioskDir !== undefined,
  });
  if (a.flag('print')) {
    process.stdout.write(`# ${UNIT}\n${files.unit}\n# ${AUTOSTART}\n${files.autostart}`);
    return 0;
  }
  const account = lookupAccount(user);
  if (!account) throw new UsageError(`--user ${user}: no such account (create it first, e.g. adduser --system ${user})`);
  prepareDataDir(dataDir, account);
  if (kioskDir !== undefined) {
    if (!lookupAccount(kioskUser)) throw new UsageError(`--kiosk-user ${kioskUser}: no such account`);
    prepareKioskDir(kioskDir, account, kioskUser, kioskGroup);
  }

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
      ...(kioskDir === undefined ? {} : { kioskDir, kioskGroup }),
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
