import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * Terminal data is the terminal user's alone: folders 0700, files 0600, whatever the umask, and tightened when
 * they already existed with looser modes (a data directory copied or made by hand).
 */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  tighten(path, 0o700);
}

/** Creates the file empty at 0600 if it is missing (so SQLite's -wal and -shm inherit 0600), else tightens it. */
export function privateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  tighten(path, 0o600);
}

export function tightenIfPresent(path: string, mode: number): void {
  if (existsSync(path)) tighten(path, mode);
}

function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    // Not ours to change (another owner): opening it will tell whether it can be used at all.
  }
}
