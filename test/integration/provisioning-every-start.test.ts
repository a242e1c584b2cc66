import { afterEach, describe, expect, it } from 'vitest';
import { loadProvisioning, readProvisioningFile, storeProvisioning } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { openDatabase } from '../../main/store/database.js';
import { MetaStore } from '../../main/store/meta.js';
import { silentLog } from '../helpers/core.js';
import { tempDir, writeProvisioning, type ProvisioningOverrides } from '../helpers/fixtures.js';

// `serve --config FILE` applies the same file at every start (docs/packaging.md); a start whose file and stored
// provisioning are both unchanged checks one fingerprint instead of every PIN (main/provisioning/file-fingerprint.ts).

const cleanups: (() => unknown)[] = [];
const running = new Set<Runtime>();
afterEach(async () => {
  await Promise.all([...running].map(stop));
  for (const c of cleanups.splice(0).reverse()) await c();
});

function terminalFiles() {
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  const before = process.env['HCP_KEY_DIR'];
  process.env['HCP_KEY_DIR'] = keys.path;
  cleanups.push(() => {
    if (before === undefined) delete process.env['HCP_KEY_DIR'];
    else process.env['HCP_KEY_DIR'] = before;
    data.cleanup();
    keys.cleanup();
  });
  return data.path;
}

async function start(dataDir: string, o: ProvisioningOverrides = {}): Promise<Runtime> {
  const runtime = await startRuntime({ dataDir, provisioningFile: readProvisioningFile(writeProvisioning(dataDir, o)), log: silentLog, passive: true });
  running.add(runtime);
  return runtime;
}

async function stop(runtime: Runtime): Promise<void> {
  if (running.delete(runtime)) await runtime.close();
}

/** The stored provisioning as the database holds it, read with the terminal stopped. */
function stored(dataDir: string) {
  const { db } = openDatabase(dataDir);
  try {
    return loadProvisioning(new MetaStore(db));
  } finally {
    db.close();
  }
}

const loginCode = (r: Runtime, pin: string) =>
  r.terminal.loginByPin('SM0012', pin).then(
    () => 'ok',
    (err: unknown) => (err as { code?: string }).code ?? String(err),
  );

describe('a provisioning file applied at every start', () => {
  it('is applied once: the next start with the same file stores nothing anew, and its PINs still work', async () => {
    const dir = terminalFiles();
    await stop(await start(dir));
    const first = stored(dir);
    const again = await start(dir);
    expect(await loginCode(again, '1234')).toBe('ok');
    await stop(again);
    // Applying re-seals every secret with a fresh nonce: the same sealed token means the file was not applied again.
    expect(stored(dir)).toEqual(first);
  });

  it('takes a changed PIN at the next start: the new one logs in, the old one no longer does', async () => {
    const dir = terminalFiles();
    await stop(await start(dir, { staffPin: '1234' }));
    await stop(await start(dir, { staffPin: '1234' }));
    const changed = await start(dir, { staffPin: '8642' });
    expect(await loginCode(changed, '1234')).toBe('BAD_PIN');
    expect(await loginCode(changed, '8642')).toBe('ok');
  });

  it('wins again over a change stored meanwhile (a technician’s form, the provision command), as it always did', async () => {
    const dir = terminalFiles();
    await stop(await start(dir));
    const { db } = openDatabase(dir);
    const meta = new MetaStore(db);
    const now = loadProvisioning(meta);
    if (!now) throw new Error('not provisioned');
    storeProvisioning(meta, { ...now, voice: 'off' }, readProvisioningFile(writeProvisioning(dir)));
    db.close();
    const restarted = await start(dir);
    expect(restarted.provisioning?.voice).toBe('on');
  });
});
