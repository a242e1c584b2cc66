import { expect, test as base, type Page } from '@playwright/test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { apiClient } from '../helpers/clients.js';
import { tempDir, writeProvisioning, type ProvisioningOverrides } from '../helpers/fixtures.js';
import { startTerminal, type RunningTerminal } from '../helpers/process.js';

export interface TerminalFixture {
  terminal: RunningTerminal;
  api: ReturnType<typeof apiClient>;
  /** The HCP_KEY_DIR the terminal seals with (for CLI commands on its data directory). */
  keyDir: string;
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
    await use({ terminal, api: apiClient(terminal.ready.api), keyDir: keys.path });
    await terminal.stop();
    data.cleanup();
    keys.cleanup();
  },
});

/**
 * Opens the screen as the kiosk browser does: the launch page in the data directory claims the per-boot kiosk
 * secret and lands on the UI, whose bridge then accepts the citizen's touches.
 */
export async function openKiosk(page: Page, terminal: RunningTerminal): Promise<void> {
  await page.goto(pathToFileURL(join(terminal.dataDir, 'kiosk', 'launch.html')).href);
  await page.waitForURL(terminal.ready.ui);
}

/** The technician's PIN in the provisioning fixture (test/helpers/fixtures.ts). */
export const TECH_PIN = '135790';

/** Into technician mode as a technician does it: five taps in the corner, then the PIN on the pad. */
export async function enterTechnicianMode(page: Page): Promise<void> {
  const corner = page.getByTestId('technician-corner');
  for (let i = 0; i < 5; i++) await corner.click();
  for (const d of TECH_PIN) await page.getByRole('dialog').getByRole('button', { name: d, exact: true }).click();
  await page.getByRole('button', { name: '进入' }).click();
  await expect(page.getByRole('heading', { name: '维护模式' })).toBeVisible();
}

/**
 * The page once it has stopped moving, as a person (or a layout or contrast check, or a screenshot) meets it: its fonts
 * loaded and every finite transition and animation finished. A fixed pause stood in for this and was too short on a
 * loaded machine (the 600 ms background fade outlasts any pause we chose).
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity));
}

export { expect } from '@playwright/test';
