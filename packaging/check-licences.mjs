#!/usr/bin/env node
// The licences of everything the terminal ships (production dependencies): each must be on this list of permissive
// licences, which a government customer can ship inside a proprietary terminal. Copyleft in the runtime (GPL, LGPL,
// AGPL, MPL, EPL, EUPL, SSPL…) or a licence nobody could read fails the build. Run by `npm run supply-chain`.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PERMISSIVE = new Set([
  'MIT',
  'X11',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'Apache-2.0',
  '0BSD',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
  'Zlib',
  'Python-2.0',
  'CC-BY-4.0',
]);

/** An SPDX expression is shippable when every AND-part has at least one permissive OR-choice. */
export function shippable(expression) {
  const clean = expression.replace(/[()]/g, ' ').trim();
  if (clean === '') return false;
  return clean.split(/\s+AND\s+/).every((part) => part.split(/\s+OR\s+/).some((choice) => PERMISSIVE.has(choice.trim())));
}

export function checkLicences(start = ROOT) {
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'license-checker-rseidelsohn', 'bin', 'license-checker-rseidelsohn'),
      '--production',
      '--excludePrivatePackages',
      '--json',
      '--start',
      start,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`license-checker failed: ${r.stderr}`);
  const found = JSON.parse(r.stdout);
  const refused = [];
  for (const [pkg, info] of Object.entries(found)) {
    const licences = Array.isArray(info.licenses) ? info.licenses.join(' AND ') : String(info.licenses ?? '');
    if (!shippable(licences)) refused.push(`${pkg}: ${licences || 'no licence found'}`);
  }
  return { count: Object.keys(found).length, refused };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { count, refused } = checkLicences(process.argv[2] ? resolve(process.argv[2]) : ROOT);
  if (refused.length > 0) {
    process.stderr.write(`licences: ${refused.length} production dependencies cannot be shipped (copyleft or unknown):\n  ${refused.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`licences: ${count} production packages, all permissive\n`);
}
