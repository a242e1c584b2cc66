import { test as base } from '@playwright/test';
import { apiClient } from '../helpers/clients.js';
import { tempDir, writeProvisioning, type ProvisioningOverrides } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';

export interface TerminalFixture {
  terminal: RunningTerminal;
  api: ReturnType<typeof apiClient>;
}

/** Each test gets its own terminal process on a fresh data directory. */
export const test = base.extend<{ provisioning: ProvisioningOverrides; hcp: TerminalFixture }>({
  provisioning: [{}, { option: true }],
  hcp: async ({ provisioning }, use) => {
    const keys = tempDir('hcp-keys-');
    const data = tempDir();
    const terminal = await startTerminal(['--data-dir', data.path, '--port', '0', '--config', writeProvisioning(data.path, provisioning)], {
      HCP_KEY_DIR: keys.path,
    });
    await use({ terminal, api: apiClient(terminal.ready.api) });
    await terminal.stop();
    data.cleanup();
    keys.cleanup();
  },
});

export { expect } from '@playwright/test';
