import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBundle } from '../../main/update/bundle-write.js';
import { debianArch, type Manifest } from '../../main/update/manifest.js';
import { switchLink, layoutOf } from '../../main/update/layout.js';
import { migrations, MIN_READER } from '../../main/store/migrations/index.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_KEY = JSON.parse(readFileSync(join(REPO, 'test/fixtures/update-keys/TEST-ONLY-vendor-key.json'), 'utf8')) as {
  privateKey: string;
  publicKey: string;
};

export interface TestRelease {
  version: string;
  seq: number;
  extraMigration?: boolean;
  crashAtStart?: boolean;
}

/** The schema a test release writes: the shipped migrations, plus the test hook's extra one. */
export function schemaOf(r: TestRelease): Manifest['schema'] {
  return { writes: migrations.length + (r.extraMigration ? 1 : 0), minReader: MIN_READER };
}

/**
 * A release folder built from this checkout's dist/ (a real build), with its own version, seq and test hooks. Its
 * node_modules are not copied: the test root holds one node_modules link that every release below it resolves through.
 */
export function buildRelease(dir: string, r: TestRelease): string {
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !src.startsWith(join(REPO, 'dist', 'packages')) });
  cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg['name'], version: r.version, type: 'module', hcpRelease: { seq: r.seq } }, null, 2));
  writeFileSync(join(dir, 'release-schema.json'), JSON.stringify(schemaOf(r)));
  writeFileSync(join(dir, 'test-hooks.json'), JSON.stringify({ extraMigration: r.extraMigration ?? false, crashAtStart: r.crashAtStart ?? false }));
  return dir;
}

/** A test root: releases/, with `current` on a first release built in place (as the package installs one). */
export function installFirstRelease(root: string, r: TestRelease): string {
  const releasesDir = join(root, 'releases');
  buildRelease(join(releasesDir, r.version), r);
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  switchLink(layoutOf(releasesDir).current, layoutOf(releasesDir), r.version);
  return releasesDir;
}

/** Builds release `r` under root/build and signs it into root/<version>.hcpupd. */
export async function bundleOf(
  root: string,
  r: TestRelease,
  o: Partial<{ privateKey: string; arch: string; minFrom: string; schema: Manifest['schema'] }> = {},
) {
  const dir = buildRelease(join(root, 'build', r.version), r);
  const out = join(root, `${r.version}.hcpupd`);
  const manifest = await writeBundle({
    releaseDir: dir,
    version: r.version,
    seq: r.seq,
    arch: o.arch ?? debianArch(),
    minFrom: o.minFrom ?? '0.0.0',
    schema: o.schema ?? schemaOf(r),
    privateKey: o.privateKey ?? TEST_KEY.privateKey,
    out,
  });
  return { file: out, manifest };
}
