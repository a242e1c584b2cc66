import { spawn } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { factsSchema, NO_FACTS, readFactsHere, type TerminalFacts } from './update-facts.js';

/** The child that reads the data directory as its owner (update-reader.ts, built beside this file). */
const READER = fileURLToPath(new URL('./update-reader.js', import.meta.url));
const MAX_HEADER = 256 * 1024;

/**
 * Whom root must become to touch the data directory: its owner, when that is not root. Root never opens a path the
 * service user can change (a symlink planted in the spool, a database whose -wal and -shm would be left root's);
 * anyone else is that user already, or has no more rights than they have.
 */
export function dataDirOwner(dataDir: string): { uid: number; gid: number } | null {
  if (process.geteuid?.() !== 0) return null;
  try {
    const st = lstatSync(dataDir);
    return st.uid === 0 ? null : { uid: st.uid, gid: st.gid };
  } catch {
    return null;
  }
}

/** Root writes into the data directory nothing at all (not even its log): only when it is root's own. */
export function mayWriteInto(dataDir: string): boolean {
  return dataDirOwner(dataDir) === null;
}

interface ReaderRun {
  header: unknown;
  /** Bytes after the header line, written to `bodyTo` when given. */
  bodyBytes: number;
}

function runReader(args: string[], owner: { uid: number; gid: number } | null, bodyTo: string | null): Promise<ReaderRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [READER, ...args], {
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      cwd: '/',
      // Nothing of root's environment: the child is the service user's, with the service user's rights.
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HCP_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let head = Buffer.alloc(0);
    let header: unknown = undefined;
    let bodyBytes = 0;
    let fd: number | null = null;
    let failure: Error | null = null;
    let err = '';
    const fail = (e: Error) => {
      failure ??= e;
      proc.kill('SIGKILL');
    };
    proc.stderr.on('data', (d: Buffer) => {
      if (err.length < 8192) err += d.toString();
    });
    proc.stdout.on('data', (chunk: Buffer) => {
      if (failure) return;
      let body = chunk;
      if (header === undefined) {
        head = Buffer.concat([head, chunk]);
        const nl = head.indexOf(0x0a);
        if (nl < 0) {
          if (head.length > MAX_HEADER) fail(new Error('the reader sent no header line'));
          return;
        }
        try {
          header = JSON.parse(head.subarray(0, nl).toString('utf8'));
        } catch {
          fail(new Error('the reader sent a header that is not JSON'));
          return;
        }
        body = head.subarray(nl + 1);
        head = Buffer.alloc(0);
      }
      if (body.length === 0) return;
      if (bodyTo === null) return fail(new Error('the reader sent bytes after a header that announced none'));
      try {
        // O_EXCL and root's own folder: nothing the service user made is opened.
        fd ??= openSync(bodyTo, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        writeSync(fd, body);
        bodyBytes += body.length;
      } catch (e) {
        fail(e as Error);
      }
    });
    proc.once('error', (e) => fail(e));
    proc.once('close', (code) => {
      if (fd !== null) closeSync(fd);
      if (failure) return reject(failure);
      if (code !== 0 || header === undefined) return reject(new Error(`the data directory's reader failed (exit ${String(code)}): ${err.trim()}`));
      resolve({ header, bodyBytes });
    });
  });
}

/**
 * The trusted keys, trial length and database schema, read as the data directory's owner. Root gets them from a
 * child that runs as that user; anyone else reads them in this process.
 */
export async function factsFor(dataDir: string | undefined): Promise<TerminalFacts> {
  if (!dataDir) return NO_FACTS;
  const owner = dataDirOwner(dataDir);
  if (owner === null) return readFactsHere(dataDir);
  const r = await runReader(['facts', dataDir], owner, null);
  return z.strictObject({ facts: factsSchema }).parse(r.header).facts;
}

const itemSchema = z.union([
  z.null(),
  z.strictObject({ name: z.string().min(1).max(255), size: z.number().int().min(1) }),
  z.strictObject({ name: z.string().min(1).max(255), refused: z.strictObject({ reason: z.literal('not-a-bundle'), message: z.string().max(2000) }) }),
]);

export type Taken =
  | { facts: TerminalFacts; item: null }
  | { facts: TerminalFacts; item: { name: string; file: string } }
  | { facts: TerminalFacts; item: { name: string; refused: { reason: 'not-a-bundle'; message: string } } };

/**
 * Takes the oldest file out of the spool: the child (as the data directory's owner) sends it, and it is copied into
 * `intoDir` (root's own folder) before anything verifies it; the spool's copy is deleted by the child once sent.
 * Returns the private copy, which the caller deletes after the install.
 */
export async function takeFromSpool(o: { spoolDir: string; dataDir: string; intoDir: string; maxBytes: number }): Promise<Taken> {
  const copy = join(o.intoDir, `.incoming-${randomBytes(8).toString('hex')}.hcpupd`);
  try {
    const r = await runReader(['take', o.dataDir, o.spoolDir, String(o.maxBytes)], dataDirOwner(o.dataDir), copy);
    const h = z.strictObject({ facts: factsSchema, item: itemSchema }).parse(r.header);
    if (h.item === null || 'refused' in h.item) {
      if (r.bodyBytes !== 0) throw new Error('the reader sent bytes for no file');
      return { facts: h.facts, item: h.item };
    }
    if (h.item.size > o.maxBytes || r.bodyBytes !== h.item.size) {
      throw new Error(`the reader announced ${String(h.item.size)} bytes and sent ${String(r.bodyBytes)}`);
    }
    if (/[/\0]/.test(h.item.name)) throw new Error('the reader named a file with a slash');
    return { facts: h.facts, item: { name: h.item.name, file: copy } };
  } catch (err) {
    rmSync(copy, { force: true });
    throw err;
  }
}
