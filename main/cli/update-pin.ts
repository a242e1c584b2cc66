import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { isValidSm2PublicKey } from '../../sync/crypto/gm.js';

/**
 * Root's own list of vendor keys (docs/updates.md, "Whom root trusts"). `updates.publicKeys` lives in the terminal's
 * database, which the service user writes; where this file exists, `hcp-terminal update` trusts only the keys that
 * are in both, so that a compromised service account cannot provision a key of its own and have root install what it
 * signed. One `04…` key a line, `#` comments; owned by root (or whoever runs the install) and writable by no one else.
 */
export const ROOT_KEYS_FILE = '/etc/hcp-terminal/update-keys';

export type KeyPin = { kind: 'none' } | { kind: 'keys'; keys: string[] } | { kind: 'unusable'; why: string };

/** HCP_TEST_UPDATE_KEYS_FILE (with HCP_TEST_HOOKS=1): the pin of a test, which cannot write /etc. */
export function keyPinPath(): string {
  const test = process.env['HCP_TEST_UPDATE_KEYS_FILE'];
  return process.env['HCP_TEST_HOOKS'] === '1' && test ? test : ROOT_KEYS_FILE;
}

export function readKeyPin(path: string): KeyPin {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unusable', why: `${path} cannot be read (${code ?? 'error'}; a link is not followed)` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 64 * 1024) return { kind: 'unusable', why: `${path} is not a plain file of at most 64 KiB` };
    if (st.uid !== 0 && st.uid !== process.geteuid?.()) return { kind: 'unusable', why: `${path} belongs to uid ${String(st.uid)}, not to root` };
    if (st.mode & 0o022) return { kind: 'unusable', why: `${path} may be written by others (mode ${(st.mode & 0o777).toString(8)}): chmod 0644` };
    const keys: string[] = [];
    const lines = readFileSync(fd, 'utf8').split('\n');
    for (const [i, raw] of lines.entries()) {
      const line = raw.replace(/#.*/, '').trim();
      if (line === '') continue;
      if (!isValidSm2PublicKey(line)) return { kind: 'unusable', why: `${path} line ${String(i + 1)} is not an SM2 public key ("04" and 128 hex digits)` };
      keys.push(line.toLowerCase());
    }
    return { kind: 'keys', keys };
  } finally {
    closeSync(fd);
  }
}

/** The keys an install may use: `updates.publicKeys`, narrowed to root's list where there is one; or why none. */
export function pinnedKeys(provisioned: readonly string[], pin: KeyPin): { keys: string[] } | { refused: string } {
  if (pin.kind === 'none') return { keys: [...provisioned] };
  if (pin.kind === 'unusable') return { refused: `root's list of update keys is unusable, so no key is trusted: ${pin.why}` };
  const keys = provisioned.filter((k) => pin.keys.includes(k.toLowerCase()));
  if (keys.length === 0 && provisioned.length > 0) {
    return { refused: `none of the ${String(provisioned.length)} keys in updates.publicKeys is in root's list of update keys (${ROOT_KEYS_FILE})` };
  }
  return { keys };
}
