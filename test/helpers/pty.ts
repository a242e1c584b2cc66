import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A pair of linked ptys from socat: the terminal opens `a` like hardware, the emulator opens `b`. */
export class PtyPair {
  private proc: ChildProcess | null = null;
  readonly a: string;
  readonly b: string;

  constructor(dir: string, name: string) {
    this.a = join(dir, `${name}-terminal`);
    this.b = join(dir, `${name}-device`);
  }

  async start(): Promise<this> {
    const proc = spawn('socat', [`pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], { stdio: 'ignore' });
    this.proc = proc;
    const started = Date.now();
    while (!(existsSync(this.a) && existsSync(this.b))) {
      if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}`);
      if (Date.now() - started > 5000) throw new Error('socat did not create the ptys');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this;
  }

  /** Unplugs: socat exits and both ptys disappear. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
    while (existsSync(this.a) || existsSync(this.b)) await new Promise((r) => setTimeout(r, 10));
  }
}
