import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** `HCP_BIN`: another build's entry (the bench's before-and-after runs). */
export const BIN = process.env['HCP_BIN'] ?? fileURLToPath(new URL('../../bin/hcp-terminal.js', import.meta.url));

export interface RunningTerminal {
  proc: ChildProcess;
  /** The --data-dir it was started on (its kiosk launch page is there). */
  dataDir: string;
  ready: { event: string; ui: string; api: string };
  readyLine: string;
  stderr: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `hcp-terminal serve …` as a separate process and waits for its ready line. `wrapper`, if given, is a script
 * that runs its arguments (the bench's CPU-limited cgroup: it joins the group, then execs, so the pid is the terminal's).
 */
export function startTerminal(args: string[], env: Record<string, string>, timeoutMs = 20_000, wrapper?: string): Promise<RunningTerminal> {
  const argv = [process.execPath, BIN, 'serve', ...args];
  const proc = spawn(wrapper ?? process.execPath, wrapper ? argv : argv.slice(1), {
    env: { ...process.env, HCP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no ready line within ${timeoutMs} ms; stderr:\n${err}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`terminal exited with ${code} before it was ready; stderr:\n${err}`));
    });
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      resolve({
        proc,
        dataDir: args[args.indexOf('--data-dir') + 1] ?? '',
        readyLine: line,
        ready: JSON.parse(line) as RunningTerminal['ready'],
        stderr: () => err,
        exited,
        stop: (signal = 'SIGTERM') => {
          proc.kill(signal);
          return exited;
        },
      });
    });
  });
}

/** Runs a one-shot command (`provision`, `status`, or `serve` expected to fail) to completion. */
export function runCommand(args: string[], env: Record<string, string>, timeoutMs = 20_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
