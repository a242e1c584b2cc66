#!/usr/bin/env node
// The headless terminal's CLI as a handful of files instead of ~900 (docs/performance.md, issue 18): `serve` on a
// half-a-core kiosk spent a third of its CPU before the ready line resolving, reading and wrapping 300 of its own
// modules and 580 of its dependencies'. Bundled from tsc's output (dist/main/cli/main.js, so the bundle runs exactly
// the code tsc type-checked and the tests ran), one chunk per command so that `serve` still loads none of the others.
//
//   node scripts/bundle-cli.mjs            (after `tsc -b`; `npm run build:node` runs both)
//
// Kept outside the bundle, loaded from node_modules as before: the native modules (their .node files are found by
// path) and Node's own modules. tsc's source maps are carried through, so the bundle's maps name the TypeScript
// sources and lines (bin/hcp-terminal.js turns source maps on: stack traces in the logs name main/…/x.ts).
//
// The bundle lives in dist/main/bundle/, at the same depth as dist/main/cli/: modules that find the release's root or
// the renderer from their own location (main/cli/serve.ts, main/cli/install-service.ts, main/util/test-hooks.ts:
// `../../..` from dist/main/<dir>/) find the same folders from the bundle.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE_DIR = join(ROOT, 'dist', 'main', 'bundle');
const ENTRY = join(ROOT, 'dist', 'main', 'cli', 'main.js');
/** The child that root's `update` starts as the data directory's owner (main/cli/update-as-owner.ts): a script of its
 *  own, found beside the module that starts it, so it is an entry of the bundle too. */
const READER = join(ROOT, 'dist', 'main', 'cli', 'update-reader.js');

/** Packages with native code: their bindings are loaded by path from their own folder, so they stay in node_modules. */
export const NATIVE = ['better-sqlite3', 'serialport', /^@serialport\//, 'node-hid'];

/** tsc's output with its source map, so that the bundle's map leads back to the .ts files, not to dist/. */
const tscSourceMaps = {
  name: 'tsc-source-maps',
  load(id) {
    if (!id.startsWith(join(ROOT, 'dist') + '/') || !id.endsWith('.js') || !existsSync(id + '.map')) return null;
    const code = readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    return { code, map: readFileSync(id + '.map', 'utf8') };
  },
};

/** `outDir`: elsewhere than dist/main/bundle (the test of the bundle's shape, test/unit/bundle-cli.test.ts). */
export async function bundleCli({ outDir = BUNDLE_DIR } = {}) {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`tsc -b\` first`);
  rmSync(outDir, { recursive: true, force: true });
  await build({
    input: { 'hcp-terminal': ENTRY, 'update-reader': READER },
    platform: 'node',
    external: NATIVE,
    plugins: [tscSourceMaps],
    logLevel: 'warn',
    output: {
      dir: outDir,
      format: 'esm',
      // V8 keeps every loaded module's source text for the life of the process (lazy compilation, toString), and a
      // source with a single character past U+00FF (the Chinese of the terminal's words and comments) is kept at two
      // bytes per character: `serve`'s chunks were 6 MiB of its heap and external strings (docs/performance.md, "The
      // terminal's memory in the kiosk, third pass"). So the chunks are ASCII (non-ASCII escaped, as \uXXXX, in strings
      // and regular expressions), without comments but the licences', and without indentation: a third of the bytes,
      // one byte each. Names are kept (no mangling or compression): the code that runs is tsc's, statement for statement.
      charset: 'ascii',
      comments: { legal: true, annotation: false, jsdoc: false },
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } },
      // Names and lines of the sources, not their text: the maps only have to name where a stack frame is.
      sourcemap: true,
      sourcemapExcludeSources: true,
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
    },
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await bundleCli();
  } catch (err) {
    process.stderr.write(`bundle-cli: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
