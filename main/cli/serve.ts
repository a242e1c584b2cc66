import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHost } from '../host/host.js';
import { installCrashHandlers } from '../log/crash-handler.js';
import { createLogger } from '../log/logger.js';
import { readProvisioningFile } from '../provisioning/apply.js';
import { startRuntime } from '../runtime/runtime.js';
import { ensureWritableDir } from '../store/database.js';
import { parseCommandArgs, portArg } from './args.js';

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = join(here, '..', '..', 'renderer');

export async function serve(argv: string[]): Promise<number> {
  const a = parseCommandArgs(argv, { 'data-dir': { type: 'string' }, config: { type: 'string' }, port: { type: 'string' }, demo: { type: 'boolean' } }, [
    'data-dir',
  ]);
  const dataDir = a.required('data-dir');
  const port = portArg(a.string('port'));
  const config = a.string('config');
  // Validate everything before touching the directory: a bad file or argument changes nothing.
  const provisioningFile = config ? readProvisioningFile(config) : null;
  ensureWritableDir(dataDir);
  const log = createLogger(dataDir);
  installCrashHandlers(log);
  const runtime = await startRuntime({ dataDir, provisioningFile, demo: a.flag('demo'), log });
  const prov = runtime.provisioning;
  let host;
  try {
    host = await startHost({
      runtime,
      host: prov?.localApi.host ?? '127.0.0.1',
      port: port ?? prov?.localApi.port ?? 8720,
      uiDir: process.env['HCP_UI_DIR'] ?? UI_DIR,
      log,
      dataDir,
      tls: runtime.apiTls ?? undefined,
    });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  process.stdout.write(JSON.stringify({ event: 'ready', ui: host.uiUrl, api: host.apiUrl }) + '\n');
  log.info({ ui: host.uiUrl, state: runtime.terminal.state(), terminalId: prov?.terminal.terminalId ?? null }, 'terminal ready');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      void host
        .close()
        .catch((err: unknown) => log.error({ err }, 'server close failed'))
        .then(() => runtime.close())
        .finally(() => {
          log.flush();
          resolve(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
