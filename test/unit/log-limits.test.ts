import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitedWarnings } from '../../main/log/limited-warn.js';
import { RotatingFile } from '../../main/log/rotating-file.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { tempDir } from '../helpers/fixtures.js';

describe('rate-limited warnings', () => {
  it('keeps N of a kind per minute, each kind apart, and says how many it left out when the minute ends', () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const warn = limitedWarnings({ warn: (_o, msg) => lines.push(msg) }, clock, 3);
    for (let i = 0; i < 100; i += 1) warn('claim', 'wrong claim');
    warn('host', 'foreign host');
    expect(lines).toEqual(['wrong claim', 'wrong claim', 'wrong claim', 'foreign host']);
    clock.advance(59_999);
    expect(lines).toHaveLength(4);
    clock.advance(1);
    expect(lines.at(-1)).toBe('wrong claim: suppressed 97 more in the last minute');
    warn('claim', 'wrong claim');
    expect(lines.at(-1)).toBe('wrong claim');
    clock.advance(120_000);
    expect(lines).toHaveLength(6);
    expect(clock.scheduled).toBe(0);
  });
});

describe('the log file', () => {
  it('rotates by size and keeps a bounded number of old files, all 0600', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'terminal.log');
      const log = new RotatingFile(file, 10_000, 3);
      const line = (i: number) => `{"n":${String(i).padStart(6, '0')},"msg":"${'x'.repeat(80)}"}\n`;
      for (let i = 0; i < 5000; i += 1) log.write(line(i));
      log.end();
      expect(readdirSync(dir.path).sort()).toEqual(['terminal.log', 'terminal.log.1', 'terminal.log.2', 'terminal.log.3']);
      for (const f of readdirSync(dir.path)) {
        expect(statSync(join(dir.path, f)).size).toBeLessThanOrEqual(10_000);
        expect(statSync(join(dir.path, f)).mode & 0o777).toBe(0o600);
      }
      expect(readFileSync(file, 'utf8').trimEnd().split('\n').at(-1)).toBe(line(4999).trimEnd());
      // A restart appends to the file it finds and keeps counting its size.
      const again = new RotatingFile(file, 10_000, 3);
      again.write(line(5000));
      again.end();
      expect(statSync(file).size).toBeLessThanOrEqual(10_000);
    } finally {
      dir.cleanup();
    }
  });
});
