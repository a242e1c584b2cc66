#!/usr/bin/env node
// One release of the terminal, laid out as /usr/lib/hcp-terminal/releases/<version>/ expects it (docs/packaging.md):
// the built terminal (dist/, bin/, package.json), its production node_modules for one architecture, its Node runtime
// at node/bin/node, and a CycloneDX SBOM (sbom.cdx.json). The Debian package and the signed update bundles are both
// made from this one builder, so an update carries exactly what the package would have.
//
//   node packaging/build-release.mjs [--arch amd64|arm64] [--out DIR]     (prints the release folder)
//
// It needs a built checkout (`npm run build`), npm, readelf and the registry's node-linux-<arch> runtime.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian architecture → Node's architecture name and the ELF machine readelf reports for it. */
export const ARCHES = {
  amd64: { node: 'x64', elfMachine: 'Advanced Micro Devices X86-64' },
  arm64: { node: 'arm64', elfMachine: 'AArch64' },
};

export class MissingToolError extends Error {}

/** Stops with a message naming every tool the build needs and this machine lacks. */
export function requireTools(tools) {
  const missing = tools.filter(([cmd]) => spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) {
    throw new MissingToolError(`cannot build the package: missing ${missing.map(([cmd, why]) => `\`${cmd}\` (${why})`).join(', ')}`);
  }
}

export function packageVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
}

export function parseArch(value) {
  const arch = value ?? (process.arch === 'arm64' ? 'arm64' : 'amd64');
  if (!Object.hasOwn(ARCHES, arch)) throw new Error(`--arch ${arch}: only ${Object.keys(ARCHES).join(' and ')} are built`);
  return arch;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  return r.stdout;
}

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** The Node runtime of .node-version for `arch`, from the registry (scripts/node-runtime.sh). */
function runtimeBin(arch) {
  const out = run('bash', [join(ROOT, 'scripts', 'node-runtime.sh'), '--arch', ARCHES[arch].node]);
  const bin = out.trim().split('\n').pop();
  if (!bin || !existsSync(join(bin, 'node'))) throw new MissingToolError(`cannot build the package: no Node runtime for ${arch} (scripts/node-runtime.sh)`);
  return bin;
}

/**
 * Native modules ship prebuilds for every platform in one npm package; a release keeps only its own
 * (glibc, not musl: Debian, UOS and Kylin are glibc). Returns the .node files kept.
 */
function pruneForeignPrebuilds(modulesDir, arch) {
  // Each package names its prebuilds its own way: better-sqlite3 prebuilds/linux-x64.node, node-hid
  // prebuilds/HID_hidraw-linux-x64/…, serialport prebuilds/linux-x64/…glibc.node; musl ones say so.
  const want = new RegExp(`(^|[-_/])linux-${ARCHES[arch].node}([-_./]|$)`);
  for (const file of walk(modulesDir)) {
    if (!file.endsWith('.node')) continue;
    const parts = relative(modulesDir, file).split(sep);
    const i = parts.indexOf('prebuilds');
    if (i < 0) continue;
    const tag = parts.slice(i + 1).join('/');
    if (!want.test(tag) || /musl/.test(tag)) rmSync(file);
  }
  // The sources of native modules (never compiled on a kiosk), and what npm installs only as an optional peer
  // (i18next's TypeScript types: no runtime code loads it).
  for (const sub of ['better-sqlite3/deps', 'better-sqlite3/src', 'node-hid/hidapi', 'node-hid/src', '@serialport/bindings-cpp/src', 'typescript']) {
    rmSync(join(modulesDir, sub), { recursive: true, force: true });
  }
  tidy(modulesDir);
  removeEmptyDirs(modulesDir);
  const kept = walk(modulesDir).filter((f) => f.endsWith('.node'));
  checkNativeBuilds(modulesDir, kept, arch);
  return kept;
}

/**
 * Every native module (a package with a binding.gyp) must keep a prebuilt binary for the release's architecture.
 * Nothing is compiled here (`npm ci --ignore-scripts`), nor on a kiosk: a module without its prebuild would ship
 * without its binary and fail only when the terminal loads it. Stops naming each such module, and what building
 * one would take that this machine lacks.
 */
export function checkNativeBuilds(modulesDir, kept, arch) {
  const native = [];
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const p = join(dir, entry.name);
      if (existsSync(join(p, 'binding.gyp')) && existsSync(join(p, 'package.json'))) native.push(p);
      visit(p);
    }
  };
  visit(modulesDir);
  const without = native.filter((dir) => !kept.some((f) => f.startsWith(dir + sep) && !relative(dir, f).split(sep).includes('node_modules')));
  if (without.length === 0) return native.length;
  const names = without.map((dir) =>
    relative(modulesDir, dir)
      .split(sep)
      .filter((part) => part !== 'node_modules')
      .join('/'),
  );
  const toolchain = ['cc', 'c++', 'make', 'python3'].filter((cmd) => spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0);
  throw new MissingToolError(
    `cannot build the package: no prebuilt linux-${ARCHES[arch].node} binary in ${names.map((n) => `\`${n}\``).join(', ')}. ` +
      `This build compiles nothing (nor does a kiosk): use a version of the module that ships one, or compile it on an ${arch} ` +
      `machine with a C/C++ compiler, make, python3 and node-gyp and carry that binary as its prebuild` +
      (toolchain.length > 0 ? ` (this machine lacks ${toolchain.map((c) => `\`${c}\``).join(', ')})` : ''),
  );
}

/** What a package carries for its developers, never loaded at run time (and flagged by lintian). */
const DEV_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'integration',
  '.github',
  '.vscode',
  '.husky',
  'docs',
  'doc',
  'example',
  'examples',
  'benchmark',
  'benchmarks',
]);
const DEV_FILES =
  /^(\.npmignore|\.gitignore|\.gitattributes|\.gitmodules|\.eslintrc.*|\.eslintignore|eslint\.config\.[cm]?js|\.prettierrc.*|\.editorconfig|\.travis\.yml|\.taprc|\.nycrc.*|\.airtap\.yml|index\.html)$/;

function tidy(modulesDir) {
  rmSync(join(modulesDir, '.bin'), { recursive: true, force: true });
  const visit = (dir) => {
    const isPackage = readdirSync(dir).includes('package.json');
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (isPackage && DEV_DIRS.has(entry.name)) rmSync(p, { recursive: true, force: true });
        else visit(p);
      } else if (DEV_FILES.test(entry.name) && (entry.name !== 'index.html' || isPackage)) {
        rmSync(p, { force: true });
      }
    }
  };
  visit(modulesDir);
}

/** Plain modes throughout (directories 0755, files 0644): only node itself is executed; the launcher runs it. */
function normaliseModes(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      chmodSync(p, 0o755);
      normaliseModes(p);
    } else chmodSync(p, 0o644);
  }
}

function removeEmptyDirs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(join(dir, entry.name));
  }
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}

/** Every ELF file must be built for the release's machine: a wrong prebuild fails here, not on a kiosk. */
export function checkElfMachines(files, arch) {
  const want = ARCHES[arch].elfMachine;
  const wrong = [];
  for (const file of files) {
    const header = run('readelf', ['-h', file]);
    const machine = /Machine:\s+(.+)/.exec(header)?.[1]?.trim();
    if (machine !== want) wrong.push(`${file}: ${machine ?? 'no ELF header'}`);
  }
  if (wrong.length > 0) throw new Error(`not built for ${arch} (${want}):\n  ${wrong.join('\n  ')}`);
  return files.length;
}

/** `{ writes, minReader }` of the built migrations, read by a child Node (the builder itself stays synchronous). */
export function releaseSchema() {
  const index = pathToFileURL(join(ROOT, 'dist', 'main', 'store', 'migrations', 'index.js')).href;
  const code = `const m = await import(${JSON.stringify(index)}); process.stdout.write(JSON.stringify({ writes: m.migrations.length, minReader: m.MIN_READER }));`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, HCP_TEST_HOOKS: '' } });
}

/** Builds releases/<version>/ under `out` for `arch` and returns its path. */
export function buildRelease({ arch, out }) {
  requireTools([
    ['npm', 'installs the production node_modules'],
    ['readelf', 'binutils: checks every native module is built for the package architecture'],
  ]);
  for (const built of ['dist/main/cli/main.js', 'dist/main/bundle/hcp-terminal.js', 'dist/renderer/index.html']) {
    if (!existsSync(join(ROOT, built))) throw new MissingToolError(`cannot build the package: ${built} is missing; run \`npm run build\` first`);
  }
  const version = packageVersion();
  const release = join(out, 'releases', version);
  rmSync(release, { recursive: true, force: true });
  mkdirSync(release, { recursive: true });

  // The built terminal: no type declarations, build info or earlier packages; source maps only for the bundle the bin
  // runs (scripts/bundle-cli.mjs), so that stack traces in a kiosk's logs name the TypeScript sources.
  const bundleDir = join('main', 'bundle') + sep;
  cpSync(join(ROOT, 'dist'), join(release, 'dist'), {
    recursive: true,
    filter: (src) => {
      const rel = relative(join(ROOT, 'dist'), src);
      const map = rel.endsWith('.map') && !rel.startsWith(bundleDir);
      return !(rel === 'packages' || rel.startsWith(`packages${sep}`) || map || rel.endsWith('.d.ts') || /\.tsbuildinfo/.test(rel));
    },
  });
  cpSync(join(ROOT, 'bin'), join(release, 'bin'), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(release, f));
  // The schema this release writes and the oldest that reads it (docs/updates.md): the updates' checks read it.
  writeFileSync(join(release, 'release-schema.json'), releaseSchema() + '\n');

  // Production dependencies only, no install scripts (nothing is compiled: the prebuilds are in the packages).
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--os=linux', `--cpu=${ARCHES[arch].node}`], {
    cwd: release,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const nativeModules = pruneForeignPrebuilds(join(release, 'node_modules'), arch);

  // The runtime the terminal was built and tested with, at the path the launcher and the updates rely on.
  const bin = runtimeBin(arch);
  mkdirSync(join(release, 'node', 'bin'), { recursive: true });
  cpSync(join(bin, 'node'), join(release, 'node', 'bin', 'node'));
  cpSync(join(bin, '..', 'LICENSE'), join(release, 'node', 'LICENSE'));

  normaliseModes(release);
  chmodSync(join(release, 'node', 'bin', 'node'), 0o755);
  const checked = checkElfMachines([join(release, 'node', 'bin', 'node'), ...nativeModules], arch);

  // CycloneDX SBOM of what ships: the production dependency tree of this release.
  const sbom = join(release, 'sbom.cdx.json');
  run(
    process.execPath,
    [
      join(ROOT, 'node_modules', '@cyclonedx', 'cyclonedx-npm', 'bin', 'cyclonedx-npm-cli.js'),
      '--omit',
      'dev',
      '--output-format',
      'JSON',
      '--output-file',
      sbom,
      '--flatten-components',
      '--spec-version',
      '1.6',
    ],
    { cwd: release, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  writeFileSync(
    join(release, 'release.json'),
    JSON.stringify(
      { version, arch, node: readFileSync(join(ROOT, '.node-version'), 'utf8').trim(), builtAt: new Date(sourceDateEpoch() * 1000).toISOString() },
      null,
      2,
    ) + '\n',
  );
  return { release, version, elfChecked: checked, nativeModules: nativeModules.map((f) => relative(release, f)) };
}

/** Reproducible timestamps: SOURCE_DATE_EPOCH when set, else the last commit's time. */
export function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).trim());
  } catch {
    return Math.floor(statSync(join(ROOT, 'package.json')).mtimeMs / 1000);
  }
}

function cliArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--arch', '--out'].includes(argv[i]) || argv[i + 1] === undefined)
      throw new Error(`usage: build-release.mjs [--arch amd64|arm64] [--out DIR] (got ${argv[i]})`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const o = cliArgs(process.argv.slice(2));
    const arch = parseArch(o.arch);
    const r = buildRelease({ arch, out: resolve(o.out ?? join(ROOT, '.package-staging', arch)) });
    process.stdout.write(`${r.release}\n`);
  } catch (err) {
    process.stderr.write(`build-release: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof MissingToolError ? 3 : 1);
  }
}
