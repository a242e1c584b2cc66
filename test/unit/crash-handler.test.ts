import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CRASH_EXIT_CODE, installCrashHandlers } from '../../main/log/crash-handler.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('process-level crash handler', () => {
  it('logs an unhandled rejection with its stack and exits non-zero, once, so a supervisor restarts the terminal', async () => {
    const { log, lines } = capture();
    const proc = new EventEmitter();
    const exits: number[] = [];
    installCrashHandlers(log, (code) => exits.push(code), proc);
    proc.emit('unhandledRejection', new Error('SQLITE_FULL: database or disk is full'));
    proc.emit('uncaughtException', new Error('a second failure while stopping'));
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([CRASH_EXIT_CODE]);
    expect(lines).toHaveLength(1);
    const err = lines[0]?.['err'] as { message: string; stack: string };
    expect(err.message).toContain('SQLITE_FULL');
    expect(err.stack).toMatch(/crash-handler\.test\.ts/);
    expect(lines[0]?.['level']).toBe(60);
  });
});
