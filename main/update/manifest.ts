import { z } from 'zod';

/** The bundle's manifest, `hcpupd/1` of terminal-cli.md v1.2. Unknown fields are refused: a signed file means what it says. */
export const manifestSchema = z.strictObject({
  format: z.literal('hcpupd/1'),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a version such as 1.2.3 or 1.2.3-rc.1'),
  seq: z.number().int().min(1),
  arch: z.string().regex(/^[a-z0-9]+$/),
  minFrom: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/),
  schema: z.strictObject({ writes: z.number().int().min(1), minReader: z.number().int().min(1) }),
  files: z
    .array(z.strictObject({ path: z.string().min(1).max(1024), size: z.number().int().min(0), sm3: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1)
    .max(200_000),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.sig';
/** The verified manifest and signature are kept in each installed release, so its seq and schema are known later. */
export const INSTALLED_MANIFEST = '.hcpupd-manifest.json';

/** Debian's name for the machine (the package and the bundle are named alike). */
export function debianArch(nodeArch: string = process.arch): string {
  if (nodeArch === 'x64') return 'amd64';
  if (nodeArch === 'arm64') return 'arm64';
  if (nodeArch === 'arm') return 'armhf';
  if (nodeArch === 'loong64') return 'loong64';
  return nodeArch;
}

/**
 * A path that stays inside the release: relative, forward slashes, no empty, "." or ".." part, no control characters,
 * and not one of the bundle's own entries. Anything else in a manifest or the tar is refused, never "cleaned".
 */
export function isSafeReleasePath(p: string): boolean {
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(p)) return false;
  const parts = p.split('/');
  if (parts.some((x) => x === '' || x === '.' || x === '..')) return false;
  return p !== MANIFEST_FILE && p !== SIGNATURE_FILE && p !== INSTALLED_MANIFEST;
}

/** Compares x.y.z[-pre] versions (semver precedence): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [core = '', pre] = v.split(/-(.*)/s, 2);
    return { nums: core.split('.').map((n) => Number(n)), pre };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  const xs = x.pre.split('.');
  const ys = y.pre.split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const p = xs[i];
    const q = ys[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}
