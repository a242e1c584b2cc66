import { createLogger } from '../log/logger.js';
import { readProvisioningFile } from '../provisioning/apply.js';
import { startRuntime } from '../runtime/runtime.js';
import { ensureWritableDir } from '../store/database.js';
import { parseCommandArgs } from './args.js';

/** Validates and applies a provisioning file, then exits (the lock keeps it off a running terminal's directory). */
export async function provision(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, file: { type: 'string' } }, ['data-dir', 'file']);
  const provisioningFile = readProvisioningFile(a.required('file'));
  const dataDir = a.required('data-dir');
  ensureWritableDir(dataDir);
  const runtime = await startRuntime({ dataDir, provisioningFile, log: createLogger(dataDir), passive: true });
  const p = runtime.provisioning;
  await runtime.close();
  process.stdout.write(JSON.stringify({ event: 'provisioned', terminalId: p?.terminal.terminalId ?? null }) + '\n');
  return 0;
}
