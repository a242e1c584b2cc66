import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { IDLE_COLLECTION } from '../../main/runtime/idle-collection.js';
import { silentLog } from '../helpers/core.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { BADGE, tempDir, writeProvisioning } from '../helpers/fixtures.js';

const clock = new FakeClock(Date.parse('2026-12-07T02:00:00Z'));
const dirs: { cleanup: () => void }[] = [];
let rt: Runtime;
/** The collections the runtime ran (V8's own is measured elsewhere: test/unit/idle-collection.test.ts). */
let collections = 0;

beforeAll(async () => {
  const keys = tempDir('hcp-keys-');
  const data = tempDir();
  dirs.push(keys, data);
  process.env['HCP_KEY_DIR'] = keys.path;
  rt = await startRuntime({
    log: silentLog,
    dataDir: data.path,
    provisioningFile: readProvisioningFile(writeProvisioning(data.path)),
    passive: true,
    clock,
    collect: () => collections++,
  });
  rt.terminal.loginByBadge(BADGE);
});

afterAll(async () => {
  await rt.close();
  for (const d of dirs) d.cleanup();
});

describe('the running terminal gives its memory back in a quiet spell', () => {
  it('collects once after a rating and a quiet spell, never while an invitation is open', async () => {
    const { sessionId } = await rt.terminal.openSession({});
    // The invitation (30 s to answer) stays open longer than a quiet spell: a citizen is at the window.
    clock.advance(IDLE_COLLECTION.quietMs + IDLE_COLLECTION.everyMs);
    expect(collections).toBe(0);
    rt.terminal.choose(sessionId, 0, 5, '4');
    clock.advance(IDLE_COLLECTION.quietMs + 2 * IDLE_COLLECTION.everyMs);
    expect(collections).toBe(1);
    clock.advance(10 * IDLE_COLLECTION.quietMs);
    expect(collections).toBe(1);
  });
});
