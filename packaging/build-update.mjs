#!/usr/bin/env node
// The signed update bundle (terminal-cli.md v1.2, docs/updates.md): the same release the Debian package carries
// (packaging/build-release.mjs), signed with the vendor's SM2 key into dist/packages/hcp-terminal_<version>_<arch>.hcpupd.
//
//   npm run package:update -- --key KEY [--arch amd64|arm64] [--min-from VERSION] [--seq N]
//
// KEY is a file holding the vendor's private key: 64 hex digits, or JSON with "privateKey" (the repository's
// test/fixtures/update-keys/TEST-ONLY-vendor-key.json is for tests and the demo only). seq and minFrom default to
// package.json's "hcpRelease".
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildRelease, MissingToolError, packageVersion, parseArch, ROOT } from './build-release.mjs';

function args(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`unexpected argument ${argv[i]}`);
    o[argv[i].slice(2)] = argv[i + 1];
  }
  return o;
}

function privateKeyOf(file) {
  const text = readFileSync(file, 'utf8').trim();
  const hex = text.startsWith('{') ? JSON.parse(text).privateKey : text;
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hex))
    throw new Error(`${file}: expected an SM2 private key (64 hex digits, or JSON with "privateKey")`);
  return hex.toLowerCase();
}

try {
  const o = args(process.argv.slice(2));
  if (!o.key) throw new Error('--key KEY is required: the file with the vendor’s SM2 private key');
  const privateKey = privateKeyOf(o.key);
  const arch = parseArch(o.arch);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const seq = Number(o.seq ?? pkg.hcpRelease?.seq);
  if (!Number.isInteger(seq) || seq < 1) throw new Error('seq: give --seq N or "hcpRelease": { "seq": N } in package.json (it only grows)');
  const minFrom = o['min-from'] ?? pkg.hcpRelease?.minFrom ?? '0.0.0';
  const version = packageVersion();
  const staging = mkdtempSync(join(tmpdir(), 'hcp-update-'));
  try {
    const { release } = buildRelease({ arch, out: staging });
    const schema = JSON.parse(readFileSync(join(release, 'release-schema.json'), 'utf8'));
    const { writeBundle } = await import(pathToFileURL(join(ROOT, 'dist', 'main', 'update', 'bundle-write.js')).href);
    const outDir = resolve(ROOT, 'dist', 'packages');
    mkdirSync(outDir, { recursive: true });
    const out = join(outDir, `hcp-terminal_${version}_${arch}.hcpupd`);
    const manifest = await writeBundle({ releaseDir: release, version, seq, arch, minFrom, schema, privateKey, out });
    process.stdout.write(`${out}\n`);
    process.stderr.write(
      `build-update: ${version} seq ${seq} for ${arch}, ${manifest.files.length} files, schema ${schema.writes} (minReader ${schema.minReader})\n`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
} catch (err) {
  process.stderr.write(`build-update: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof MissingToolError ? 3 : 1);
}
