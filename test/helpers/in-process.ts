import { afterAll, beforeAll } from 'vitest';
import { startHost, type RunningHost } from '../../main/host/host.js';
import { parseProvisioning, ProvisioningError, readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { apiClient } from './clients.js';
import { silentLog } from './core.js';
import { tempDir, writeProvisioning } from './fixtures.js';

export interface InProcessTerminal {
  runtime: Runtime;
  host: RunningHost;
  api: ReturnType<typeof apiClient>;
  dataDir: string;
}

/**
 * A provisioned terminal and its host in this process for the whole test file (started before, stopped after):
 * call at the top of a file, read the fields inside tests.
 */
export function inProcessTerminal(): InProcessTerminal {
  const keys = tempDir('hcp-keys-');
  process.env['HCP_KEY_DIR'] = keys.path;
  const data = tempDir();
  const t = { dataDir: data.path } as InProcessTerminal;
  beforeAll(async () => {
    t.runtime = await startRuntime({ dataDir: data.path, provisioningFile: readProvisioningFile(writeProvisioning(data.path)), log: silentLog });
    t.host = await startHost({ runtime: t.runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log: silentLog, dataDir: data.path });
    t.api = apiClient(t.host.apiUrl);
  });
  afterAll(async () => {
    await t.host.close();
    await t.runtime.close();
    data.cleanup();
    keys.cleanup();
  });
  return t;
}

/** The message a provisioning file is refused with, or 'accepted'. */
export function provisioningRefusal(json: unknown): string {
  try {
    parseProvisioning(json);
  } catch (err) {
    if (err instanceof ProvisioningError) return err.message;
    throw err;
  }
  return 'accepted';
}
