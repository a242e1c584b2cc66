#!/usr/bin/env node
// Every package in package-lock.json comes from the npm registry with an integrity hash (sha512) that npm checks at
// install: no git, file or tarball-URL dependency, no entry without a hash (a registry entry may omit its URL). This workplace cannot reach the services
// of `npm audit` and `npm audit signatures`; a vendor's build machine runs those (docs/packaging.md, supply chain).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY = 'https://registry.npmjs.org/';

export function checkLockfile(lock) {
  const problems = [];
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || entry.link) continue;
    checked++;
    // npm leaves out `resolved` for registry packages (omit-lockfile-registry-resolved); any other source keeps it.
    if (entry.resolved !== undefined && !String(entry.resolved).startsWith(REGISTRY))
      problems.push(`${path}: not from the registry (${String(entry.resolved)})`);
    if (typeof entry.integrity !== 'string' || !/^sha512-[A-Za-z0-9+/]+=*$/.test(entry.integrity))
      problems.push(`${path}: no sha512 integrity hash (${entry.integrity ?? 'none'})`);
  }
  if (lock.lockfileVersion < 2) problems.push(`lockfileVersion ${lock.lockfileVersion}: too old to carry every entry's hash`);
  return { checked, problems };
}

// npm 11 runs a dependency's install script only where package.json's allowScripts approves it, and only warns
// about one it names nowhere; a new native dependency must be decided on here, not slip by as a warning in CI's log.
export function checkInstallScripts(lock, allowScripts) {
  const named = new Set(Object.keys(allowScripts ?? {}));
  const problems = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === '' || !entry.hasInstallScript) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!named.has(name)) problems.push(`${name}: has an install script that package.json's allowScripts neither approves nor refuses`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lock = JSON.parse(readFileSync(resolve(ROOT, process.argv[2] ?? 'package-lock.json'), 'utf8'));
  const { allowScripts } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
  const { checked, problems } = checkLockfile(lock);
  problems.push(...checkInstallScripts(lock, allowScripts));
  if (problems.length > 0) {
    process.stderr.write(`package-lock.json: ${problems.length} entries fail:\n  ${problems.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `package-lock.json: ${checked} entries, each from the registry with a sha512 integrity hash; every install script decided in allowScripts\n`,
  );
}
