import { Writable } from 'node:stream';

/** How many of the latest warnings and errors the diagnostics screen shows. */
const KEEP = 20;

export interface Problem {
  at: number;
  level: 'warn' | 'error' | 'fatal';
  msg: string;
}

/**
 * The log's latest warnings and errors, kept in memory for the diagnostics screen ("last errors"). A pino stream,
 * so what it keeps passed the same redaction as the log file.
 */
export class RecentProblems extends Writable {
  private items: Problem[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    try {
      const line = JSON.parse(chunk.toString('utf8')) as { time?: unknown; level?: unknown; msg?: unknown };
      const level: Problem['level'] = line.level === 60 ? 'fatal' : line.level === 50 ? 'error' : 'warn';
      const msg = typeof line.msg === 'string' ? line.msg.slice(0, 300) : '';
      this.items = [{ at: typeof line.time === 'number' ? line.time : Date.now(), level, msg }, ...this.items].slice(0, KEEP);
    } catch {
      // A line that is not JSON is not one of ours.
    }
    done();
  }

  list(): Problem[] {
    return this.items;
  }
}

/** The process's one collector: every logger of this process writes its warnings here. */
export const recentProblems = new RecentProblems();
