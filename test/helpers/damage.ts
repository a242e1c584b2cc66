import { readFileSync, writeFileSync } from 'node:fs';

/** The page size a SQLite file's header records (bytes 16–17, big-endian; 1 stands for 65,536). */
export function pageSizeOf(file: string): number {
  const raw = readFileSync(file).readUInt16BE(16);
  return raw === 1 ? 65_536 : raw;
}

/** A torn write: garbage over one page (numbered from 1) of a closed, checkpointed SQLite file, nothing else touched. */
export function damagePage(file: string, pageno: number, byte = 0x5a): void {
  const pageSize = pageSizeOf(file);
  const buf = readFileSync(file);
  buf.fill(byte, (pageno - 1) * pageSize, pageno * pageSize);
  writeFileSync(file, buf);
}
