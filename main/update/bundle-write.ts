import { createReadStream, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { create, replace } from 'tar';
import { sm2SignHex, sm3Stream } from '../../sync/crypto/gm.js';
import { INSTALLED_MANIFEST, isSafeReleasePath, MANIFEST_FILE, SIGNATURE_FILE, type Manifest } from './manifest.js';

export interface BundleInput {
  /** The release folder to ship, exactly as it will sit under releases/<version>/. */
  releaseDir: string;
  version: string;
  seq: number;
  arch: string;
  minFrom: string;
  schema: { writes: number; minReader: number };
  /** The vendor's SM2 private key, 64 hex digits. */
  privateKey: string;
  out: string;
  /** Top-level names left out (a test release's node_modules symlink, say). */
  exclude?: readonly string[];
}

/** Lists the release's plain files, sorted; a symlink or a device in a release is a build mistake and stops the build. */
export function releaseFiles(dir: string, exclude: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (d === dir && (exclude.includes(e.name) || e.name === INSTALLED_MANIFEST || e.name === INSTALLED_MANIFEST.replace('.json', '.sig'))) continue;
      // npm's command links are for a shell, not for the terminal: they do not ship.
      if (e.name === '.bin' && rel.endsWith('node_modules/.bin')) continue;
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) {
        if (!isSafeReleasePath(rel)) throw new Error(`cannot ship "${rel}": not a path a terminal would install`);
        out.push(rel);
      } else throw new Error(`cannot ship "${rel}": only plain files and folders go into a bundle (found a link or a device)`);
    }
  };
  walk(dir);
  return out.sort();
}

async function hashFile(path: string): Promise<{ size: number; sm3: string }> {
  const h = sm3Stream();
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const c = chunk as Buffer;
    size += c.length;
    h.update(c);
  }
  return { size, sm3: h.digestHex() };
}

/** Writes `<out>`: a tar of manifest.json, manifest.sig (SM2 over the manifest's exact bytes) and the release's files. */
export async function writeBundle(b: BundleInput): Promise<Manifest> {
  const paths = releaseFiles(b.releaseDir, b.exclude);
  const files: Manifest['files'] = [];
  for (const p of paths) files.push({ path: p, ...(await hashFile(join(b.releaseDir, p))) });
  const manifest: Manifest = { format: 'hcpupd/1', version: b.version, seq: b.seq, arch: b.arch, minFrom: b.minFrom, schema: b.schema, files };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  const head = mkdtempSync(join(tmpdir(), 'hcpupd-'));
  try {
    writeFileSync(join(head, MANIFEST_FILE), bytes);
    writeFileSync(join(head, SIGNATURE_FILE), sm2SignHex(new Uint8Array(bytes), b.privateKey) + '\n');
    await create({ file: b.out, cwd: head, portable: true }, [MANIFEST_FILE, SIGNATURE_FILE]);
    if (paths.length) await replace({ file: b.out, cwd: b.releaseDir, portable: true, noDirRecurse: true }, paths);
  } finally {
    rmSync(head, { recursive: true, force: true });
  }
  return manifest;
}
