import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/** One log file's size before it is rotated, and how many rotated ones are kept: the logs never pass 32 MiB. */
export const LOG_FILE_BYTES = 8 * 1024 * 1024;
export const LOG_FILES_KEPT = 3;

/**
 * A pino destination appending synchronously to `file` (0600) and rotating it by size: past `maxBytes` it becomes
 * `file.1` (`file.1` → `file.2` …, the oldest dropped) and a new file starts. The terminal's own log must not fill
 * the disk that holds the ratings. A line the disk refuses (full, gone) is dropped: standard error still has it.
 */
export class RotatingFile {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly file: string,
    readonly maxBytes = LOG_FILE_BYTES,
    readonly kept = LOG_FILES_KEPT,
  ) {
    this.open();
  }

  write(line: string): boolean {
    try {
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      if (this.fd === null) this.open();
      if (this.fd === null) return true;
      writeSync(this.fd, line);
      this.size += bytes;
    } catch {
      // A full or vanished disk must not take the terminal down with its log.
    }
    return true;
  }

  /** pino's exit hook calls it; every write is already on the disk. */
  flushSync(): void {}

  end(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): void {
    try {
      this.fd = openSync(this.file, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    } catch {
      this.fd = null;
    }
  }

  private rotate(): void {
    this.end();
    for (let i = this.kept - 1; i >= 1; i -= 1) moveIfPresent(`${this.file}.${String(i)}`, `${this.file}.${String(i + 1)}`);
    if (this.kept > 0) moveIfPresent(this.file, `${this.file}.1`);
    else closeSync(openSync(this.file, 'w', 0o600));
    this.open();
  }
}

function moveIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
