import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { handleIntent } from '../../main/runtime/intents.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { scanUsb } from '../../main/runtime/usb-drive.js';
import { readUsbFile, UsbReadError } from '../../main/runtime/usb-walk.js';
import { silentLog } from '../helpers/core.js';
import { provisioningFile, tempDir, writeProvisioning } from '../helpers/fixtures.js';

// An adversarial technician's USB stick: links out of the drive, loops of links, and more entries than anyone needs.
const TECH_PIN = '135790';
const dirs: { cleanup: () => void }[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function scratch(prefix?: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d.path;
}

/** A provisioning file for another terminal, outside every drive: what a link on the stick points at. */
function outsideFile(): { dir: string; file: string } {
  const dir = scratch('hcp-outside-');
  const p = provisioningFile();
  (p['terminal'] as Record<string, unknown>)['terminalId'] = 'T-999999-0666';
  const file = join(dir, 'provision.json');
  writeFileSync(file, JSON.stringify(p));
  return { dir, file };
}

/** Counts event-loop turns (setImmediate) and timer firings while `work` runs: zero means it held the loop. */
async function loopTurnsDuring<T>(work: () => Promise<T> | T): Promise<{ result: T; turns: number; timerFired: boolean }> {
  let turns = 0;
  let running = true;
  let timerFired = false;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const timer = setTimeout(() => (timerFired = true), 0);
  const result = await work();
  const during = { turns, timerFired };
  running = false;
  clearTimeout(timer);
  return { result, ...during };
}

describe('USB drive scan', () => {
  it('does not list or read a file that a link on the drive points at outside it, nor follow a linked folder', async () => {
    const root = scratch('hcp-usb-');
    const stick = join(root, 'STICK');
    mkdirSync(join(stick, 'real'), { recursive: true });
    writeFileSync(join(stick, 'real', 'genuine.json'), JSON.stringify(provisioningFile()));
    const outside = outsideFile();
    symlinkSync(outside.file, join(stick, 'evil.json'));
    symlinkSync(outside.dir, join(stick, 'linked'));

    const { files } = await scanUsb([root], null);
    expect(files.map((f) => f.path)).toEqual([join(stick, 'real', 'genuine.json')]);
    // Read at import time too: a link named as a file, or a path through a linked folder, is refused.
    expect(() => readUsbFile([root], join(stick, 'evil.json'), 1 << 20)).toThrow(UsbReadError);
    expect(() => readUsbFile([root], join(stick, 'linked', 'provision.json'), 1 << 20)).toThrow(/outside the USB drive/);
    expect(readUsbFile([root], join(stick, 'real', 'genuine.json'), 1 << 20)).toContain('T-350402-0001');
  });

  it('never applies a provisioning file outside the drive, even on a new terminal without a PIN', async () => {
    process.env['HCP_KEY_DIR'] ??= scratch('hcp-keys-');
    const root = scratch('hcp-usb-');
    const stick = join(root, 'STICK');
    mkdirSync(stick);
    const outside = outsideFile();
    symlinkSync(outside.file, join(stick, 'provision.json'));
    const rt = await startRuntime({ log: silentLog, dataDir: scratch(), usbRoots: [root] });
    runtimes.push(rt);
    expect(rt.terminal.state()).toBe('unprovisioned');
    const act = (intent: Parameters<typeof handleIntent>[1]) => handleIntent(rt.terminal, intent, rt.intentExtras);
    await act({ type: 'rescan' });
    expect(rt.terminal.view().technician.setup?.usb.files ?? []).toEqual([]);
    expect(await act({ type: 'usbImport', path: join(stick, 'provision.json') })).toMatchObject({ ok: false, code: 'NOT_ON_USB' });
    expect(rt.provisioning).toBeNull();
    expect(JSON.stringify(rt.db.prepare('SELECT * FROM audit_log').all())).not.toContain('T-999999-0666');
  });

  it('walks a drive of self-referencing links without following them and without holding the event loop', async () => {
    const root = scratch('hcp-usb-');
    const stick = join(root, 'LOOPS');
    mkdirSync(join(stick, 'a', 'b'), { recursive: true });
    writeFileSync(join(stick, 'a', 'b', 'bundle.json'), '{}');
    // 45 links, each back to the drive or its folders: the walk that followed them took 29 s.
    for (let i = 0; i < 15; i++) {
      symlinkSync(stick, join(stick, `loop${String(i)}`));
      symlinkSync('..', join(stick, 'a', `up${String(i)}`));
      symlinkSync('.', join(stick, 'a', 'b', `self${String(i)}.json`));
    }
    const { result, turns, timerFired } = await loopTurnsDuring(() => scanUsb([root], null));
    expect(result.files.map((f) => f.path)).toEqual([join(stick, 'a', 'b', 'bundle.json')]);
    expect(turns).toBeGreaterThan(0);
    expect(timerFired).toBe(true);
  });

  it('stops a huge drive at its bound, keeps serving meanwhile, and the technician screen says the list was cut short', async () => {
    process.env['HCP_KEY_DIR'] ??= scratch('hcp-keys-');
    const root = scratch('hcp-usb-');
    const stick = join(root, 'HUGE');
    mkdirSync(stick);
    for (let d = 0; d < 60; d++) {
      const dir = join(stick, `d${String(d).padStart(2, '0')}`);
      mkdirSync(dir);
      for (let f = 0; f < 100; f++) writeFileSync(join(dir, `f${String(f)}.txt`), '');
    }
    const { result, turns, timerFired } = await loopTurnsDuring(() => scanUsb([root], null));
    expect(result.cutShort).toBe('entries');
    expect(turns).toBeGreaterThan(0);
    expect(timerFired).toBe(true);

    const dataDir = scratch();
    const rt = await startRuntime({ log: silentLog, dataDir, provisioningFile: readProvisioningFile(writeProvisioning(dataDir)), usbRoots: [root] });
    runtimes.push(rt);
    await rt.terminal.technicianEnter(TECH_PIN);
    await handleIntent(rt.terminal, { type: 'rescan' }, rt.intentExtras);
    expect(rt.terminal.view().technician.setup?.usb.cutShort).toBe('entries');
  });
});
