import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sm3Stream } from '../../sync/crypto/gm.js';

export interface DownloadTarget {
  url: string;
  size: number;
  sm3: string;
}

/**
 * Fetches an announced bundle into `dir`, resuming a partial file with an HTTP Range request, and keeps it only when
 * its size and SM3 match the announcement. The signature is checked later, by the install, as for a USB file.
 */
export async function downloadBundle(t: DownloadTarget, dir: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const done = join(dir, `${t.sm3}.hcpupd`);
  if (existsSync(done)) return done;
  const part = `${done}.part`;
  let have = existsSync(part) ? statSync(part).size : 0;
  if (have > t.size) {
    rmSync(part);
    have = 0;
  }
  if (have < t.size) {
    const res = await fetchImpl(t.url, { headers: have > 0 ? { range: `bytes=${String(have)}-` } : {}, signal: AbortSignal.timeout(10 * 60_000) });
    // A server that ignores Range answers 200 with the whole file: start over rather than append it twice.
    if (res.status === 200) have = 0;
    else if (res.status !== 206) throw new Error(`download of ${t.url} answered HTTP ${String(res.status)}`);
    if (!res.body) throw new Error('download answered without a body');
    const fd = openSync(part, have === 0 ? 'w' : 'a', 0o600);
    try {
      const reader = res.body.getReader();
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        const value: unknown = next.value;
        if (!(value instanceof Uint8Array)) throw new Error('download answered with a body that is not bytes');
        have += value.length;
        if (have > t.size) throw new Error(`download of ${t.url} is longer than the announced ${String(t.size)} bytes`);
        writeSync(fd, value);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  if (have !== t.size) throw new Error(`download of ${t.url} stopped at ${String(have)} of ${String(t.size)} bytes; it resumes at the next announcement`);
  const h = sm3Stream();
  for await (const chunk of createReadStream(part)) h.update(chunk as Buffer);
  if (h.digestHex() !== t.sm3) {
    rmSync(part);
    throw new Error(`download of ${t.url} does not match the announced SM3: discarded`);
  }
  renameSync(part, done);
  return done;
}
