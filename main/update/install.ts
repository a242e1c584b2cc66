import { existsSync, readdirSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sm2VerifyHex } from '../../sync/crypto/gm.js';
import { describeIssues } from '../util/zod-issues.js';
import { readSignedPart, UpdateRefused, type BundleSource, type SignedPart } from './bundle-read.js';
import { schemaBlocks, type DatabaseSchema } from './schema-rules.js';
import { layoutOf, linkedVersion, listReleases, readFileNoFollow, readRelease, switchLink, syncDir, writeFileDurably, type Layout } from './layout.js';
import { compareVersions, debianArch, INSTALLED_MANIFEST, isSafeReleasePath, manifestSchema, type Manifest } from './manifest.js';
import { copyFiles, makeDirs, writeReadable } from './stage.js';
import { installStep } from './test-kill.js';
import { readTrialState, withEvent, writeTrialState } from './trial-state.js';

export interface InstallOptions {
  file: string;
  releasesDir: string;
  /** `updates.publicKeys`: the vendor keys this terminal trusts. */
  trustedKeys: readonly string[];
  /** The shared database's schema (main/store/schema-info.ts), null when there is none yet. */
  database?: DatabaseSchema | null;
  /** The running release's version when there is no `current` link (a checkout). */
  runningVersion?: string;
  arch?: string;
  freeBytes?: (dir: string) => number | null;
}

export interface Installed {
  version: string;
  from: string | null;
  seq: number;
}

/** Room kept free beyond the release itself: the database and the log still have to grow. */
const SPACE_MARGIN = 64 * 1024 * 1024;

/**
 * Installs a bundle beside the running release and switches to it on trial, in the order of terminal-cli.md v1.2:
 * signature first, then arch, minFrom, seq and schema, then space, then every file copied and hashed, then the switch.
 * Any refusal throws UpdateRefused and leaves `current` as it was; a power cut leaves the old release or the new on trial.
 */
export async function installBundle(o: InstallOptions): Promise<Installed> {
  const l = layoutOf(o.releasesDir);
  const signed = await readSignedPart(o.file);
  const { manifest, from } = checkSignedPart(signed, o, { verified: () => installStep('verified') });
  installStep('checked');
  checkSpace(manifest, l, o.freeBytes ?? statfsFree);
  installStep('space');
  const staging = join(l.releasesDir, `.staging-${manifest.version}`);
  const target = join(l.releasesDir, manifest.version);
  clearStaleStaging(l);
  makeDirs(staging);
  try {
    await copyFiles(o.file, manifest, staging);
    writeReadable(join(staging, INSTALLED_MANIFEST), signed.manifestBytes);
    writeReadable(join(staging, INSTALLED_MANIFEST.replace('.json', '.sig')), Buffer.from(signed.signature + '\n'));
    syncDir(staging);
    installStep('copied');
    // A folder of this version that is neither current nor good is a leftover (a failed trial, say): replaced.
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    syncDir(l.releasesDir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  installStep('placed');
  // The running release becomes the one to fall back to, unless a known good one is already recorded.
  // Only a release folder can be gone back to: a checkout's running version has none.
  const running = linkedVersion(l.current, l);
  if (running !== null && linkedVersion(l.good, l) === null) switchLink(l.good, l, running);
  const before = readTrialState(l);
  writeTrialState(
    l,
    withEvent(
      {
        ...before,
        trialOf: manifest.version,
        starts: 0,
        rolledBackFrom: null,
        rolledBackAt: null,
        failed: before.failed.filter((v) => v !== manifest.version),
      },
      'installed',
      manifest.version,
      `seq ${String(manifest.seq)}, from ${from ?? 'nothing'}`,
    ),
  );
  installStep('state');
  switchLink(l.current, l, manifest.version);
  installStep('switched');
  // Only now is the seq spent: a power cut before the switch leaves the same bundle installable again.
  const after = readTrialState(l);
  writeTrialState(l, { ...after, highestSeq: Math.max(after.highestSeq, manifest.seq) });
  // And in the installer's own record: trial.json is the launcher's (the service user's, in the package), and a
  // replayed old bundle must stay refused even if it is rewritten.
  writeFileDurably(installedSeqFile(l), `${String(Math.max(readInstalledSeq(l), manifest.seq))}\n`);
  return { version: manifest.version, from, seq: manifest.seq };
}

/**
 * What an install checks before it reads any release file, in its order: the signature under a trusted key, then the
 * signed manifest, arch, minFrom, seq and schema. Throws UpdateRefused. `seen.verified` marks the step for kill tests;
 * `seen.manifest` gets the manifest once its signature holds (a listing shows its version even when a later check fails).
 */
export function checkSignedPart(
  signed: SignedPart,
  o: Omit<InstallOptions, 'file'>,
  seen: { verified?: () => void; manifest?: (m: Manifest) => void } = {},
): { manifest: Manifest; from: string | null } {
  const l = layoutOf(o.releasesDir);
  verifySignature(signed.manifestBytes, signed.signature, o.trustedKeys);
  seen.verified?.();
  const manifest = parseManifest(signed.manifestBytes);
  seen.manifest?.(manifest);
  const from = linkedVersion(l.current, l) ?? o.runningVersion ?? null;
  checkCompatibility(manifest, l, from, o);
  return { manifest, from };
}

/** A listing's verdict on a bundle: its signed manifest once the signature holds, and the refusal, or null when it would install. */
export interface BundlePreview {
  manifest: Manifest | null;
  refused: UpdateRefused | null;
}

/**
 * Would this bundle install? The same checks as an install, in the same order, on the head of the file only (its
 * manifest and signature, at most HEAD_BYTES), then the free space; and a file too short for the sizes its signed
 * manifest lists is called truncated. Each file's size and SM3 are checked by the install, which reads everything.
 * Writes nothing: a screen that lists bundles calls it for each.
 */
export async function previewBundle(source: BundleSource, o: Omit<InstallOptions, 'file'>): Promise<BundlePreview> {
  let manifest: Manifest | null = null;
  try {
    const { manifest: m } = checkSignedPart(await readSignedPart(source, { headOnly: true }), o, { manifest: (seen) => (manifest = seen) });
    const l = layoutOf(o.releasesDir);
    // The releases folder may not exist yet (a checkout without a launcher): its parent's disk holds the space.
    refuseSpace(m, (o.freeBytes ?? statfsFree)(existsSync(l.releasesDir) ? l.releasesDir : dirname(l.releasesDir)));
    const size = (typeof source === 'string' ? await stat(source) : await source.stat()).size;
    const least = leastTarBytes(m);
    if (size < least) {
      throw new UpdateRefused(
        'truncated',
        `the file is ${mib(size)}, and the files its signed manifest lists need at least ${mib(least)}: it is truncated or incomplete`,
      );
    }
    return { manifest: m, refused: null };
  } catch (err) {
    if (!(err instanceof UpdateRefused)) throw err;
    return { manifest, refused: err };
  }
}

/** Every listed file takes at least a 512-byte header and its body in 512-byte blocks: a shorter tar cannot hold them. */
function leastTarBytes(m: Manifest): number {
  return m.files.reduce((n, f) => n + 512 + Math.ceil(f.size / 512) * 512, 0);
}

export function verifySignature(manifestBytes: Buffer, signature: string, trustedKeys: readonly string[]): void {
  if (!/^[0-9a-f]{16,400}$/.test(signature)) {
    throw new UpdateRefused('bad-signature', 'manifest.sig is not a signature: lower-case hex of a DER SM2 signature was expected');
  }
  if (trustedKeys.length === 0) {
    throw new UpdateRefused('untrusted-key', 'no update key is trusted on this terminal (updates.publicKeys in the provisioning file is empty)');
  }
  const bytes = new Uint8Array(manifestBytes);
  if (!trustedKeys.some((k) => sm2VerifyHex(bytes, signature, k))) {
    throw new UpdateRefused(
      'untrusted-key',
      `the manifest's signature verifies under none of the ${String(trustedKeys.length)} trusted keys (updates.publicKeys): signed by a key this terminal does not trust, or manifest.json was altered after signing`,
    );
  }
}

function parseManifest(bytes: Buffer): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UpdateRefused('bad-manifest', 'manifest.json is signed but is not JSON');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw new UpdateRefused('bad-manifest', `manifest.json is signed but not an hcpupd/1 manifest: ${describeIssues(parsed.error, '(manifest)')}`);
  const seen = new Set<string>();
  for (const f of parsed.data.files) {
    if (!isSafeReleasePath(f.path)) throw new UpdateRefused('unsafe-entry', `manifest.json names a path outside the release: "${f.path}"`);
    if (seen.has(f.path)) throw new UpdateRefused('bad-manifest', `manifest.json lists "${f.path}" twice`);
    seen.add(f.path);
  }
  return parsed.data;
}

function checkCompatibility(m: Manifest, l: Layout, from: string | null, o: Omit<InstallOptions, 'file'>): void {
  const arch = o.arch ?? debianArch();
  if (m.arch !== arch) throw new UpdateRefused('arch', `the bundle is for ${m.arch}, this terminal is ${arch}`);
  if (from !== null && compareVersions(from, m.minFrom) < 0) {
    throw new UpdateRefused('min-from', `the bundle updates ${m.minFrom} or later; this terminal runs ${from}: install the releases between first`);
  }
  // Releases that ran or run count; a folder left by a bundle install cut short before its switch does not. A release
  // not installed from a bundle (dpkg's, or copied in by root) counts as long as it is on disk, whatever the pointers
  // say: releases/ is root's, the pointers and trial.json are the service user's (docs/updates.md).
  const state = readTrialState(l);
  const used = new Set([from, linkedVersion(l.good, l), ...state.failed]);
  const installed = listReleases(l).filter((r) => used.has(r.version) || !existsSync(join(r.dir, INSTALLED_MANIFEST)));
  const highest = Math.max(state.highestSeq, readInstalledSeq(l), ...installed.map((r) => r.seq));
  if (m.seq <= highest) {
    const holder = installed.find((r) => r.seq === highest);
    throw new UpdateRefused(
      'seq',
      `the bundle's seq ${String(m.seq)} is not above ${String(highest)}${holder ? ` (release ${holder.version})` : ''}: an older or replayed bundle, refused so that a signed old release cannot downgrade the terminal`,
    );
  }
  if (m.version === from || m.version === linkedVersion(l.good, l)) {
    throw new UpdateRefused('seq', `release ${m.version} is already installed and in use`);
  }
  const db = o.database ?? null;
  const blocked = schemaBlocks(m.schema, db);
  if (blocked) throw new UpdateRefused('schema', `release ${m.version} cannot run here: ${blocked}`);
  // After this release has run, its minReader holds; every release a rollback could reach must still read the
  // database: the last known good one (where a failed trial goes back to, even while another release is on trial) and
  // the running one (which becomes good when none is recorded). A release of unknown schema is judged by the database's;
  // one that cannot read the database already is out of a rollback's reach anyway (the launcher then runs what it has).
  const reachable = [...new Set([linkedVersion(l.good, l), from])]
    .filter((v): v is string => v !== null)
    .filter((v) => schemaBlocks(readRelease(join(l.releasesDir, v))?.schema ?? null, db) === null);
  for (const version of reachable.length > 0 ? reachable : [null]) {
    const reads = (version !== null ? readRelease(join(l.releasesDir, version))?.schema?.writes : undefined) ?? db?.version;
    if (reads !== undefined && m.schema.minReader > reads) {
      const who = version !== null ? `release ${version}, which a rollback could go back to,` : 'the current database';
      throw new UpdateRefused(
        'schema',
        `the bundle's database needs schema ${String(m.schema.minReader)} or later to read it, and ${who} is at ${String(reads)}: a rollback could not read the ratings it would write`,
      );
    }
  }
}

/** The highest seq ever switched to, kept inside releases/ (root's alone in the package), beside trial.json's copy. */
function installedSeqFile(l: Layout): string {
  return join(l.releasesDir, '.installed-seq');
}

function readInstalledSeq(l: Layout): number {
  try {
    const n = Number(readFileNoFollow(installedSeqFile(l)).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

function statfsFree(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

function checkSpace(m: Manifest, l: Layout, freeBytes: (dir: string) => number | null): void {
  makeDirs(l.releasesDir);
  refuseSpace(m, freeBytes(l.releasesDir));
}

function refuseSpace(m: Manifest, free: number | null): void {
  const need = m.files.reduce((n, f) => n + f.size, 0) + SPACE_MARGIN;
  if (free !== null && free < need) {
    throw new UpdateRefused('disk-full', `not enough free space to stage ${m.version}: ${mib(need)} needed (with a margin for the ratings), ${mib(free)} free`);
  }
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function clearStaleStaging(l: Layout): void {
  for (const name of readdirSync(l.releasesDir)) {
    if (name.startsWith('.staging-')) rmSync(join(l.releasesDir, name), { recursive: true, force: true });
  }
}
