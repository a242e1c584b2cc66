#!/usr/bin/env node
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('hcp-terminal: not built yet; run `npm run build` first\n');
  process.exit(1);
}
// V8's compiled code of the terminal's modules, kept between starts (NODE_COMPILE_CACHE, which the systemd unit points
// at its cache directory, else the temp directory): on a half-a-core kiosk, loading and compiling them was two thirds of
// `serve`'s time to its ready line (docs/performance.md). A cache that does not match the sources is ignored and rewritten.
module.enableCompileCache?.();
await import(entry.href);
