import { privateDir, privateFile } from '../util/private-files.js';
import { join } from 'node:path';
import pino from 'pino';
import { recentProblems } from './recent-problems.js';
import { RotatingFile } from './rotating-file.js';

export type Log = pino.Logger;

/** Paths that must never reach a log line (secrets and evaluator identity). */
const REDACT = [
  'token',
  'appSecret',
  // gov-form's secret (province-gov-form.md: never logged, like appSecret).
  'appWord',
  'pin',
  'authorization',
  'req.headers.authorization',
  'applicant',
  '*.applicant',
  '*.pin',
  '*.token',
  '*.appSecret',
  '*.appWord',
  'phone',
  'mobile',
  'certKey',
];

/**
 * JSON lines to standard error (journald under systemd, which caps its own) and to `logs/terminal.log` in the data
 * directory (terminal-cli.md), rotated at 8 MiB with three old files kept.
 */
export function createLogger(dataDir: string | null, level = process.env['HCP_LOG_LEVEL'] ?? 'info'): Log {
  const streams: pino.StreamEntry[] = [{ stream: pino.destination({ dest: 2, sync: true }) }, { level: 'warn', stream: recentProblems }];
  if (dataDir) {
    const dir = join(dataDir, 'logs');
    privateDir(dir);
    privateFile(join(dir, 'terminal.log'));
    // Synchronous: a crash's last line must reach the disk before the process exits (and an async stream not yet
    // open makes pino's exit hook throw). Log lines are rare, never one per rating; rotated by size (rotating-file.ts).
    streams.push({ stream: new RotatingFile(join(dir, 'terminal.log')) });
  }
  return pino({ level, base: { app: 'hcp-terminal' }, redact: { paths: REDACT, censor: '[redacted]' } }, pino.multistream(streams));
}
