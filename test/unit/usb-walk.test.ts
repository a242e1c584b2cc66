import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USB_WALK_LIMITS, walkUsb, type WalkLimits } from '../../main/runtime/usb-walk.js';
import { scratchDirs } from '../helpers/fixtures.js';

// Issue 15: the walk of a USB drive is bounded as it goes, by depth, entries, files and time, and lists only
// regular files. test/security/usb-drive.test.ts covers links, loops and the entry bound through the screen; these
// are the other bounds, each on its own.
const dir = scratchDirs();
const limits = (l: Partial<WalkLimits>): WalkLimits => ({ ...USB_WALK_LIMITS, ...l });

describe('the USB walk’s bounds', () => {
  it('goes no deeper than its depth, lists what is above, and says it was cut short by depth', async () => {
    const root = dir();
    let folder = join(root, 'STICK');
    mkdirSync(folder);
    writeFileSync(join(folder, 'top.json'), '{}');
    for (let level = 2; level <= 6; level++) {
      folder = join(folder, `level${String(level)}`);
      mkdirSync(folder);
      writeFileSync(join(folder, `at${String(level)}.json`), '{}');
    }
    const r = await walkUsb([root], limits({ depth: 3 }));
    expect(r.paths.map((p) => p.slice(root.length))).toEqual(['/STICK/level2/at2.json', '/STICK/level2/level3/at3.json', '/STICK/top.json']);
    expect(r.cutShort).toBe('depth');
    // Within its depth, nothing is cut short.
    expect((await walkUsb([root], limits({ depth: 6 }))).cutShort).toBeNull();
  });

  it('past its cap of update files, passes the rest over and still lists the provisioning file after them', async () => {
    const root = dir();
    mkdirSync(join(root, 'STICK'));
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) writeFileSync(join(root, 'STICK', `hcp-terminal-${v}.hcpupd`), 'x');
    writeFileSync(join(root, 'STICK', 'provision.json'), '{}');
    const r = await walkUsb([root], limits({ updates: 1 }));
    expect(r.paths.map((p) => p.slice(root.length))).toEqual(['/STICK/hcp-terminal-1.0.0.hcpupd', '/STICK/provision.json']);
    expect(r.cutShort).toBe('updates');
  });

  it('says the bound that ended the walk rather than a folder it passed over', async () => {
    const root = dir();
    mkdirSync(join(root, 'STICK', 'a', 'b'), { recursive: true });
    for (let i = 0; i < 5; i++) writeFileSync(join(root, 'STICK', `p${String(i)}.json`), '{}');
    const r = await walkUsb([root], limits({ depth: 2, files: 3 }));
    expect(r.paths).toHaveLength(3);
    expect(r.cutShort).toBe('files');
  });

  it('lists at most its number of *.json files and says so', async () => {
    const root = dir();
    mkdirSync(join(root, 'STICK'));
    for (let i = 0; i < 5; i++) writeFileSync(join(root, 'STICK', `p${String(i)}.json`), '{}');
    const r = await walkUsb([root], limits({ files: 3 }));
    expect(r.paths).toHaveLength(3);
    expect(r.cutShort).toBe('files');
  });

  it('stops when its time is up, on a slow drive, and says so', async () => {
    const root = dir();
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(root, 'SLOW', `d${String(d)}`), { recursive: true });
      writeFileSync(join(root, 'SLOW', `d${String(d)}`, 'x.json'), '{}');
    }
    // A clock that moves a second at each look: a drive that answers slowly, without a test that waits.
    let t = 0;
    const r = await walkUsb([root], limits({ ms: 5_000 }), () => (t += 1_000));
    expect(r.cutShort).toBe('time');
    expect(r.paths.length).toBeLessThan(20);
  });

  it.runIf(spawnSync('sh', ['-c', 'command -v mkfifo']).status === 0)(
    'lists only regular files: a fifo named *.json is not listed (reading it would block)',
    async () => {
      const root = dir();
      mkdirSync(join(root, 'STICK'));
      writeFileSync(join(root, 'STICK', 'real.json'), '{}');
      expect(spawnSync('mkfifo', [join(root, 'STICK', 'pipe.json')]).status).toBe(0);
      const r = await walkUsb([root]);
      expect(r.paths).toEqual([join(root, 'STICK', 'real.json')]);
      expect(r.cutShort).toBeNull();
    },
  );
});
