import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isUpdateName, readUsbFileAsync, USB_WALK_LIMITS, UsbReadError, walkUsb, type CutShort, type WalkLimits } from './usb-walk.js';
import { join, relative, resolve, sep } from 'node:path';
import { BUNDLE_FORMAT, MAX_BUNDLE_BYTES, readForeignBundle } from '../../sync/export-bundle.js';
import type { ProvisioningDraft, UsbFile } from '../bridge/technician.js';
import { parseProvisioning, ProvisioningError } from '../provisioning/apply.js';
import { describeChanges, formFromFile } from '../provisioning/form.js';

/** Where Debian-family desktops (UOS, Kylin) and udisks mount USB drives; `--usb-root` replaces them. */
export const DEFAULT_USB_ROOTS = ['/media', '/run/media', '/mnt'];

/**
 * Every `*.json` on the drives under the roots, each read and said what it is, and with `checkUpdate` every `*.hcpupd`
 * judged by it; `cutShort` when the walk hit a bound. One file at a time: a slow stick is read by one reader.
 */
export async function scanUsb(
  roots: readonly string[],
  current: ProvisioningDraft | null,
  limits: WalkLimits = USB_WALK_LIMITS,
  checkUpdate?: (path: string) => Promise<UsbFile>,
): Promise<{ files: UsbFile[]; cutShort: CutShort | null }> {
  const { paths, cutShort } = await walkUsb(roots, checkUpdate ? limits : { ...limits, updates: 0 });
  const files: UsbFile[] = [];
  for (const path of paths) files.push(checkUpdate && isUpdateName(path) ? await checkUpdate(path) : await classify(path, current));
  return { files, cutShort };
}

async function classify(path: string, current: ProvisioningDraft | null): Promise<UsbFile> {
  let text: string;
  try {
    text = await readUsbFileAsync(path, MAX_BUNDLE_BYTES);
  } catch (err) {
    return { path, kind: 'other', error: err instanceof UsbReadError ? err.message : String(err) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { path, kind: 'other', error: 'not JSON' };
  }
  if (json !== null && typeof json === 'object' && (json as { format?: unknown }).format === BUNDLE_FORMAT) {
    const b = readForeignBundle(text);
    return b.ok
      ? { path, kind: 'bundle', error: null, terminalId: b.terminalId, records: b.evalIds.length }
      : { path, kind: 'bundle', error: b.error, terminalId: null, records: 0 };
  }
  try {
    const next = formFromFile(parseProvisioning(json));
    return { path, kind: 'provisioning', error: null, changes: describeChanges(current ?? {}, next) };
  } catch (err) {
    return { path, kind: 'provisioning', error: err instanceof ProvisioningError ? err.message : String(err), changes: [] };
  }
}

/** A path the technician picked is taken only if it lies under one of the roots (the screen cannot name any file). */
export function insideRoots(roots: readonly string[], path: string): boolean {
  const p = resolve(path);
  return roots.some((r) => {
    const rel = relative(resolve(r), p);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.includes(`..${sep}`);
  });
}

/** Mounted drives under the roots (from the mount table); where none is a mount (tests), the roots' first folders. */
export function usbDrives(roots: readonly string[], mounts = readMounts()): string[] {
  const under = mounts.filter((m) => insideRoots(roots, m));
  if (under.length > 0) return under;
  const dirs: string[] = [];
  for (const root of roots) {
    try {
      for (const name of readdirSync(root).sort()) if (!name.startsWith('.') && statSync(join(root, name)).isDirectory()) dirs.push(join(root, name));
    } catch {
      // An absent root has no drives.
    }
  }
  return dirs;
}

function readMounts(): string[] {
  try {
    // Octal escapes (\040 for a space) as the kernel writes them in mount points.
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => (l.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
      .filter(Boolean);
  } catch {
    return [];
  }
}
