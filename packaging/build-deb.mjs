#!/usr/bin/env node
// `npm run package:deb [-- --arch arm64]`: dist/packages/hcp-terminal_<version>_<arch>.deb, laid out as
// terminal-cli.md v1.2 ("The Debian package") says, with dpkg-deb (xz, root-owned) and hand-written maintainer
// scripts, conffiles and md5sums (no debhelper). docs/packaging.md explains every choice.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ARCHES, buildRelease, MissingToolError, packageVersion, parseArch, requireTools, ROOT, sourceDateEpoch } from './build-release.mjs';

const PKG = 'hcp-terminal';
const LIB = `/usr/lib/${PKG}`;
const DATA = `/var/lib/${PKG}`;
const ETC = `/etc/${PKG}`;
const ENV_FILE = `${ETC}/${PKG}.env`;
const HERE = join(ROOT, 'packaging');
const MAINTAINER = 'HCP Terminal team <hcp-terminal@example.gov.cn>';

/** What the package needs besides its own runtime: only what it really uses (docs/packaging.md, dependencies). */
const DEPENDS = ['adduser', 'fonts-noto-cjk'];
/** The kiosk's browser: a headless terminal (a separate screen, or the Electron build) runs without it. */
const RECOMMENDS = ['chromium | chromium-browser', 'libnss3-tools'];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (!entry.isSymbolicLink()) out.push(p);
  }
  return out;
}

/** Libraries a native module links besides the C and C++ runtime, and the package that has each. */
const OTHER_LIBS = { 'libudev.so.1': 'libudev1', 'libusb-1.0.so.0': 'libusb-1.0-0' };

/** GLIBCXX_3.4.N → the GCC release whose libstdc++6 first had it (the versions Debian's symbols files use). */
const GLIBCXX_GCC = { 21: 5, 22: 6, 23: 7, 24: 7, 25: 8, 26: 9, 27: 9, 28: 10, 29: 11, 30: 12, 31: 13, 32: 14 };

/**
 * The C libraries the node binary and the native modules need, from the symbol versions they reference (readelf works
 * for either architecture). Not dpkg-shlibdeps: Debian 12's symbols files date glibc's libpthread/libdl symbols at
 * 2.34 when they moved into libc, which would shut out UOS 20 (glibc 2.28) and Kylin V10 (2.31) although Node needs 2.28.
 */
export function libraryDepends(files) {
  let glibc = [2, 17];
  let glibcxx = 0;
  let needsStdcxx = false;
  let needsGcc = false;
  const needed = new Set();
  for (const file of files) {
    const text = run('readelf', ['-V', '-d', '--wide', file]);
    for (const m of text.matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
      const v = [Number(m[1]), Number(m[2])];
      if (v[0] > glibc[0] || (v[0] === glibc[0] && v[1] > glibc[1])) glibc = v;
    }
    for (const m of text.matchAll(/GLIBCXX_3\.4\.(\d+)/g)) glibcxx = Math.max(glibcxx, Number(m[1]));
    for (const m of text.matchAll(/NEEDED\)\s+Shared library: \[([^\]]+)\]/g)) needed.add(m[1]);
    needsStdcxx ||= /NEEDED.*libstdc\+\+\.so\.6/.test(text);
    needsGcc ||= /NEEDED.*libgcc_s\.so\.1/.test(text);
  }
  const deps = [`libc6 (>= ${glibc.join('.')})`];
  // node-hid's prebuilds: hidapi over hidraw (libudev) and over libusb.
  for (const [lib, pkg] of Object.entries(OTHER_LIBS)) if (needed.has(lib)) deps.push(pkg);
  if (needsStdcxx) deps.push(glibcxx in GLIBCXX_GCC ? `libstdc++6 (>= ${GLIBCXX_GCC[glibcxx]})` : 'libstdc++6');
  // libgcc1 before Debian 11 (UOS 20 is Debian 10 based).
  if (needsGcc) deps.push('libgcc-s1 | libgcc1');
  return deps;
}

function writeFile(path, text, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** The package's files outside the release: launcher, unit, settings, udev rule, docs. */
async function layOut(root, release, version) {
  const rel = relative(join(root, LIB.slice(1)), release);
  symlinkSync(rel, join(root, LIB.slice(1), 'current'));

  const { TERMINAL_V8_FLAGS } = await import(pathToFileURL(join(ROOT, 'dist/main/runtime/v8-flags.js')).href);
  const launcher = readFileSync(join(HERE, 'hcp-terminal.sh'), 'utf8').replace('@V8_FLAGS@', TERMINAL_V8_FLAGS.join(' '));
  writeFile(join(root, 'usr/bin', PKG), launcher, 0o755);

  const { serviceFiles, updaterUnits } = await import(pathToFileURL(join(ROOT, 'dist/main/cli/service-unit.js')).href);
  const { unit } = serviceFiles({
    dataDir: DATA,
    user: PKG,
    port: undefined,
    command: [`/usr/bin/${PKG}`],
    documentation: `file:///usr/share/doc/${PKG}/packaging.md`,
    environmentFile: ENV_FILE,
    // The launcher keeps `current`, `good` and trial.json there (releases/ inside stays root's: docs/updates.md).
    layoutDir: LIB,
    // The kiosk window is the desktop user's, who cannot read the data directory: the pass goes to the group hcp-kiosk
    // in /var/lib/hcp-terminal-kiosk, which postinst makes (docs/security.md).
    kioskHandover: true,
  });
  writeFile(join(root, `lib/systemd/system/${PKG}.service`), unit.replace('install-service`; regenerate', 'install-service` for the package; reinstall'));
  // Root's installer of the bundles the terminal hands over (a USB drive on the technician's screen, the network).
  const updater = updaterUnits({ dataDir: DATA, layoutDir: LIB, command: [`/usr/bin/${PKG}`], documentation: `file:///usr/share/doc/${PKG}/updates.md` });
  writeFile(join(root, `lib/systemd/system/${PKG}-update.service`), updater.service);
  writeFile(join(root, `lib/systemd/system/${PKG}-update.path`), updater.path);
  writeFile(join(root, ENV_FILE.slice(1)), readFileSync(join(HERE, 'debian', `${PKG}.env`), 'utf8'));
  writeFile(join(root, 'lib/udev/rules.d/60-hcp-terminal.rules'), readFileSync(join(HERE, 'debian', '60-hcp-terminal.rules'), 'utf8'));

  const doc = join(root, 'usr/share/doc', PKG);
  writeFile(join(doc, 'copyright'), readFileSync(join(HERE, 'debian', 'copyright'), 'utf8'));
  writeFile(join(doc, 'packaging.md'), readFileSync(join(ROOT, 'docs', 'packaging.md'), 'utf8'));
  writeFile(join(doc, 'updates.md'), readFileSync(join(ROOT, 'docs', 'updates.md'), 'utf8'));
  writeFile(join(doc, 'changelog.gz'), gzipSync(changelog(version), { level: 9 }));
  writeFile(join(root, 'usr/share/man/man1', `${PKG}.1.gz`), gzipSync(readFileSync(join(HERE, 'debian', `${PKG}.1`)), { level: 9 }));
  writeFile(join(root, 'usr/share/lintian/overrides', PKG), readFileSync(join(HERE, 'debian', 'lintian-overrides'), 'utf8'));
}

/** A native package's changelog: one entry for the version built (the project's history is its git log). */
function changelog(version) {
  const date = new Date(sourceDateEpoch() * 1000).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (.+) GMT$/, '$1, $2 $3 $4 $5 +0000');
  return `${PKG} (${version}) unstable; urgency=medium\n\n  * Release ${version} of the terminal; its changes are in the project's history.\n\n -- ${MAINTAINER}  ${date}\n`;
}

function control({ version, arch, installedKiB, libs }) {
  return [
    `Package: ${PKG}`,
    `Version: ${version}`,
    `Architecture: ${arch}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKiB}`,
    `Depends: ${[...DEPENDS, ...libs].join(', ')}`,
    `Recommends: ${RECOMMENDS.join(', ')}`,
    'Section: misc',
    'Priority: optional',
    'Description: rating terminal for government service windows (好差评)',
    ' The terminal at a service window of a government service hall: citizens rate',
    ' the service on a touch screen or a five-button keypad, ratings are stored',
    ' durably and uploaded to the provincial 好差评 system, later when offline.',
    ' .',
    ' Runs headless as the hcp-terminal service, with its own Node runtime; the',
    ' kiosk window is Chromium on its local page.',
    '',
  ].join('\n');
}

/** Builds the .deb for `arch` and returns its path. */
export async function buildDeb({ arch }) {
  requireTools([
    ['dpkg-deb', 'dpkg: assembles the package'],
    ['readelf', 'binutils: checks the machine of every binary'],
  ]);
  const version = packageVersion();
  const staging = join(ROOT, '.package-staging', arch);
  const root = join(staging, 'root');
  rmSync(staging, { recursive: true, force: true });
  const { release, elfChecked, nativeModules } = buildRelease({ arch, out: join(root, LIB.slice(1)) });
  await layOut(root, release, version);

  const DEBIAN = join(root, 'DEBIAN');
  // postinst records the release's seq as root's floor for update bundles (docs/updates.md).
  const seq = JSON.parse(readFileSync(join(release, 'package.json'), 'utf8')).hcpRelease?.seq;
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error('package.json: "hcpRelease": { "seq": N } is needed (it only grows)');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    writeFile(join(DEBIAN, script), readFileSync(join(HERE, 'debian', script), 'utf8').replace('@RELEASE_SEQ@', String(seq)), 0o755);
  }
  writeFile(join(DEBIAN, 'conffiles'), `${ENV_FILE}\n`);
  const files = walk(root).filter((f) => !f.startsWith(DEBIAN + '/'));
  const conffiles = new Set([ENV_FILE]);
  const md5sums = files
    .filter((f) => !conffiles.has('/' + relative(root, f)))
    .map((f) => `${createHash('md5').update(readFileSync(f)).digest('hex')}  ${relative(root, f)}`)
    .sort((a, b) => (a.slice(34) < b.slice(34) ? -1 : 1));
  writeFile(join(DEBIAN, 'md5sums'), md5sums.join('\n') + '\n');
  const installedKiB = Math.ceil(files.reduce((n, f) => n + statSync(f).size, 0) / 1024);
  const libs = libraryDepends([join(release, 'node/bin/node'), ...nativeModules.map((m) => join(release, m))]);
  writeFile(join(DEBIAN, 'control'), control({ version, arch, installedKiB, libs }));

  const out = join(ROOT, 'dist', 'packages', `${PKG}_${version}_${arch}.deb`);
  rmSync(out, { force: true });
  // A clean checkout has no dist/packages yet (npm run build makes only dist/main and dist/renderer).
  mkdirSync(dirname(out), { recursive: true });
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], { env: { ...process.env, SOURCE_DATE_EPOCH: String(sourceDateEpoch()) } });
  return { out, arch, version, elfChecked, size: statSync(out).size, installedKiB };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  try {
    const argv = process.argv.slice(2);
    let arch;
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--arch' && argv[i + 1]) arch = argv[++i];
      else throw new Error(`usage: npm run package:deb [-- --arch amd64|arm64] (got ${argv[i]})`);
    }
    const r = await buildDeb({ arch: parseArch(arch) });
    process.stdout.write(JSON.stringify({ event: 'package', ...r, machine: ARCHES[r.arch].elfMachine }) + '\n');
  } catch (err) {
    process.stderr.write(`package:deb: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof MissingToolError ? 3 : 1);
  }
}
