#!/usr/bin/env node
import { existsSync, readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

// A Node older than the terminal's does not fail cleanly: better-sqlite3 13 killed Debian's Node 20 with a bare
// "Segmentation fault" in `serve` (and not in `status`), which looks random. So the bin says which Node it needs, in one
// line, before anything loads a native module. The floor is package.json's engines.node; HCP_TEST_NODE_VERSION (with
// HCP_TEST_HOOKS=1) plays an old Node where the machine has none.
const engines = (() => {
  try {
    return String(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines?.node ?? '');
  } catch {
    return '';
  }
})();
const floor = /^>=\s*(\d+)\.(\d+)\.(\d+)/.exec(engines);
const running = (process.env.HCP_TEST_HOOKS === '1' && process.env.HCP_TEST_NODE_VERSION) || process.versions.node;
if (floor) {
  const have = running.split('.').map(Number);
  const need = floor.slice(1).map(Number);
  const older = need.findIndex((n, i) => (have[i] ?? 0) !== n);
  if (older >= 0 && (have[older] ?? 0) < (need[older] ?? 0)) {
    process.stderr.write(
      `hcp-terminal: needs Node ${need.join('.')} or newer, but ${process.execPath} is Node ${running}; in a checkout run \`. scripts/node-runtime.sh\` first (or use \`npm run terminal -- …\`)\n`,
    );
    process.exit(2);
  }
}

// The CLI bundled into a few files (scripts/bundle-cli.mjs): on a half-a-core kiosk, resolving and reading ~900
// separate modules was a third of `serve`'s CPU before its ready line (docs/performance.md). tsc's own output is the
// fallback where the bundle is missing, or older than the last `tsc -b` of a working tree (the release has no build
// info and always runs the bundle): a stale bundle would run yesterday's code.
const bundled = new URL('../dist/main/bundle/hcp-terminal.js', import.meta.url);
const unbundled = new URL('../dist/main/cli/main.js', import.meta.url);
const mtime = (url) => statSync(fileURLToPath(url), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const entry = mtime(bundled) >= mtime(new URL('../dist/.tsbuildinfo.node', import.meta.url)) ? bundled : unbundled;
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('hcp-terminal: not built yet; run `npm run build` first\n');
  process.exit(1);
}

// The terminal's V8 flags and glibc allocator settings (main/runtime/v8-flags.ts) must hold however `serve` is
// started: the systemd unit and `npm start` put them on Node's command line and in its environment, a technician
// typing `hcp-terminal serve` does not (the heap then grew 112 → 235 MiB over 12,000 ratings). V8 sizes its heap and
// glibc reads its settings only at start-up (v8.setFlagsFromString comes too late), so the bin replaces itself, same
// pid for systemd and anyone watching it, with a Node that has them. HCP_V8_FLAGS_REEXEC marks the replaced process
// so that it can never loop; a launcher that starts Node with them itself skips this. A flag or setting already
// given (another value included) is kept.
const REEXEC_MARK = 'HCP_V8_FLAGS_REEXEC';
if (process.argv[2] === 'serve' && !process.env[REEXEC_MARK] && typeof process.execve === 'function') {
  const { TERMINAL_V8_FLAGS, TERMINAL_MALLOC_ENV } = await import(new URL('../dist/main/runtime/v8-flags.js', import.meta.url).href);
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const missing = TERMINAL_V8_FLAGS.filter((f) => !given.some((g) => g.split('=')[0] === f.split('=')[0]));
  const missingEnv = Object.entries(TERMINAL_MALLOC_ENV ?? {}).filter(([name]) => process.env[name] === undefined);
  if (missing.length > 0 || missingEnv.length > 0) {
    const argv = [process.execPath, ...process.execArgv, ...missing, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
    try {
      process.execve(process.execPath, argv, { ...process.env, ...Object.fromEntries(missingEnv), [REEXEC_MARK]: '1' });
    } catch (err) {
      // Without execve the terminal still runs, as it did before, only with V8's and glibc's defaults.
      const without = [...missing, ...missingEnv.map(([name, value]) => `${name}=${value}`)];
      process.stderr.write(`hcp-terminal: running without ${without.join(' ')}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

// V8's compiled code of the terminal's modules, kept between starts: on a half-a-core kiosk, loading and compiling them
// was two thirds of `serve`'s time to its ready line (docs/performance.md). NODE_COMPILE_CACHE (the systemd unit points
// it at its own cache directory) has Node keep it already; else only in a folder this user alone can change
// (main/runtime/compile-cache.ts), never Node's default in the shared temp folder: Node runs what it finds there, and
// root ran code any local user had planted (issue 24). A cache that does not match the sources is ignored and rewritten.
if (!process.env.NODE_COMPILE_CACHE && typeof module.enableCompileCache === 'function') {
  const { privateCompileCacheDir } = await import(new URL('../dist/main/runtime/compile-cache.js', import.meta.url).href);
  const cache = privateCompileCacheDir();
  if ('dir' in cache) module.enableCompileCache(cache.dir);
}
// Stack traces in the logs name the TypeScript sources (main/runtime/runtime.ts:123), through the bundle's source
// maps; a map is read only when a stack trace is formatted.
process.setSourceMapsEnabled(true);
await import(entry.href);
