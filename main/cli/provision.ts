import { createLogger } from '../log/logger.js';
import { startRuntime } from '../runtime/runtime.js';
import { parseCommandArgs } from './args.js';

/** Validates and applies a provisioning file, then exits (the lock keeps it off a running terminal's directory). */
export function provision(argv: string[]): number {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, file: { type: 'string' } }, ['data-dir', 'file']);
  const runtime = startRuntime({ dataDir: a.required('data-dir'), configFile: a.required('file'), log: createLogger(a.required('data-dir')) });
  const p = runtime.provisioning;
  runtime.close();
  process.stdout.write(JSON.stringify({ event: 'provisioned', terminalId: p?.terminal.terminalId ?? null }) + '\n');
  return 0;
}
