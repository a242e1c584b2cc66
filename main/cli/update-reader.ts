import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readFactsHere, type TerminalFacts } from './update-facts.js';

/**
 * The unprivileged half of root's installer (docs/updates.md, "Installs are root's"): root starts this file as the data
 * directory's owner, so that every path the service user can change (the spool, the database and its -wal and -shm)
 * is touched only with that user's rights, and root gets bytes through a pipe, which it treats as hostile input.
 *
 *   facts DATA_DIR                    one JSON line: { facts }
 *   take DATA_DIR SPOOL_DIR MAX_BYTES one JSON line: { facts, item }, then exactly item.size bytes of the oldest file in
 *                                     the spool; the file is deleted once sent. Anything but a plain file of at most
 *                                     MAX_BYTES is deleted unread and reported as refused.
 */
type Item = null | { name: string; size: number } | { name: string; refused: { reason: 'not-a-bundle'; message: string } };

function facts(dataDir: string): TerminalFacts {
  try {
    return readFactsHere(dataDir);
  } catch {
    // A database that cannot be read yields no keys: every bundle is then refused as untrusted, which says why.
    return { publicKeys: [], trialMinutes: null, database: null };
  }
}

function oldest(spool: string): string | null {
  let names: string[];
  try {
    names = readdirSync(spool);
  } catch {
    return null;
  }
  const dated = names.map((name) => {
    try {
      return { name, at: lstatSync(join(spool, name)).mtimeMs };
    } catch {
      return { name, at: 0 };
    }
  });
  dated.sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : 1));
  return dated[0]?.name ?? null;
}

function refuse(path: string, name: string, message: string): Item {
  rmSync(path, { recursive: true, force: true });
  return { name, refused: { reason: 'not-a-bundle', message } };
}

async function take(dataDir: string, spool: string, maxBytes: number): Promise<void> {
  const f = facts(dataDir);
  const name = oldest(spool);
  if (name === null) {
    process.stdout.write(JSON.stringify({ facts: f, item: null }) + '\n');
    return;
  }
  const path = join(spool, name);
  const st = lstatSync(path);
  if (!st.isFile()) {
    process.stdout.write(
      JSON.stringify({ facts: f, item: refuse(path, name, `"${name}" in the spool is not a plain file (a link, a folder or a device): deleted unread`) }) +
        '\n',
    );
    return;
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const now = fstatSync(fd);
  const problem =
    !now.isFile() || now.ino !== st.ino || now.dev !== st.dev
      ? `"${name}" changed while it was opened: deleted unread`
      : now.size === 0 || now.size > maxBytes
        ? `"${name}" is ${String(now.size)} bytes: a bundle is 1 to ${String(maxBytes)} bytes`
        : null;
  if (problem !== null) {
    closeSync(fd);
    process.stdout.write(JSON.stringify({ facts: f, item: refuse(path, name, problem) }) + '\n');
    return;
  }
  process.stdout.write(JSON.stringify({ facts: f, item: { name, size: now.size } }) + '\n');
  // Exactly the size announced, even if the file grows meanwhile.
  await pipeline(createReadStream('', { fd, start: 0, end: now.size - 1, autoClose: true }), process.stdout, { end: false });
  // Root has the copy now: the spool is emptied, so that its path unit does not start the installer again for it.
  rmSync(path, { force: true });
}

async function main(argv: string[]): Promise<number> {
  const [mode, dataDir, spool, max] = argv;
  if (mode === 'facts' && dataDir) {
    process.stdout.write(JSON.stringify({ facts: facts(dataDir) }) + '\n');
    return 0;
  }
  if (mode === 'take' && dataDir && spool && max && /^\d+$/.test(max)) {
    await take(dataDir, spool, Number(max));
    return 0;
  }
  process.stderr.write('update-reader: usage: facts DATA_DIR | take DATA_DIR SPOOL_DIR MAX_BYTES (started by hcp-terminal update)\n');
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
