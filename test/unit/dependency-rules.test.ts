import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Files of a small tree, each importing what its rule forbids (or, for `ok`, what it allows). */
const PLANTED: Record<string, string> = {
  'renderer/src/bad.tsx': `import { x } from '../../main/store/meta.js';\nexport const y = x;`,
  'renderer/src/ok.tsx': `import { INVITE } from '../../device-drivers/keypad-keys.js';\nimport { PIN } from '../../main/bridge/formats.js';\nexport const y = [INVITE, PIN];`,
  'device-drivers/keypad-keys.ts': `import { z } from './serial.js';\nexport const INVITE = z;`,
  'device-drivers/serial.ts': `export const z = 1;`,
  'main/bridge/formats.ts': `export const PIN = 1;`,
  'main/store/meta.ts': `export const x = 1;`,
  'main/core/uses-store.ts': `import { x } from '../store/meta.js';\nexport const y = x;`,
  'main/core/uses-sync.ts': `import { Outbox } from '../../sync/outbox/outbox.js';\nimport type { Rec } from '../../sync/record.js';\nexport const y = Outbox;\nexport type R = Rec;`,
  'main/core/uses-shell.ts': `import { h } from '../host/host.js';\nexport const y = h;`,
  'main/host/host.ts': `export const h = 1;`,
  'main/api/feature.ts': [
    `import { x } from '../store/meta.js';`,
    `import { d } from '../devices/devices.js';`,
    `import { engine } from '../../sync/engine.js';`,
    `import { link } from '../../sync/links.js';`,
    `import { bareHost } from '../../sync/net/bare-host.js';`,
    `import { app } from 'electron';`,
    `import { SerialPort } from 'serialport';`,
    `export const y = [x, d, engine, link, bareHost, app, SerialPort];`,
  ].join('\n'),
  'main/devices/devices.ts': `export const d = 1;`,
  'sync/outbox/outbox.ts': `export const Outbox = 1;`,
  'sync/record.ts': `export type Rec = { seq: number };`,
  'sync/links.ts': `export const link = 1;`,
  'sync/net/bare-host.ts': `export const bareHost = 1;`,
  'sync/engine.ts': `import { c } from '../main/core/ok.js';\nexport const engine = c;`,
  'main/core/ok.ts': `export const c = 1;`,
  'main/util/a.ts': `import { b } from './b.js';\nexport const a = b;`,
  'main/util/b.ts': `import { a } from './a.js';\nexport const b = () => a;`,
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

describe('dependency rules', () => {
  it('each rule of .dependency-cruiser.cjs catches a planted violation, and the shared pure modules stay allowed', () => {
    const tmp = tempDir();
    try {
      for (const [path, text] of Object.entries(PLANTED)) {
        mkdirSync(dirname(join(tmp.path, path)), { recursive: true });
        writeFileSync(join(tmp.path, path), text + '\n');
      }
      writeFileSync(
        join(tmp.path, 'tsconfig.depcruise.json'),
        JSON.stringify({ extends: join(ROOT, 'tsconfig.base.json'), compilerOptions: { noEmit: true, jsx: 'react-jsx' } }),
      );
      symlinkSync(join(ROOT, 'node_modules'), join(tmp.path, 'node_modules'));
      const run = spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
          '--config',
          join(ROOT, '.dependency-cruiser.cjs'),
          '--output-type',
          'json',
          'main',
          'renderer',
          'sync',
          'device-drivers',
        ],
        { cwd: tmp.path, encoding: 'utf8' },
      );
      const out = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
      const found = new Set(out.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`));
      const expected = [
        'renderer-only-bridge-types: renderer/src/bad.tsx → main/store/meta.ts',
        'renderer-types-from-bridge-only: renderer/src/bad.tsx → main/store/meta.ts',
        'shared-pure-modules-import-nothing: device-drivers/keypad-keys.ts → device-drivers/serial.ts',
        'core-only-ports-and-pure: main/core/uses-store.ts → main/store/meta.ts',
        'core-no-sync-or-driver-code: main/core/uses-sync.ts → sync/outbox/outbox.ts',
        'core-not-shells: main/core/uses-shell.ts → main/host/host.ts',
        'store-wired-by-composition-root: main/api/feature.ts → main/store/meta.ts',
        'devices-wired-by-composition-root: main/api/feature.ts → main/devices/devices.ts',
        'sync-engine-wired-by-composition-root: main/api/feature.ts → sync/engine.ts',
        'electron-only-in-main-electron: main/api/feature.ts → electron',
        'drivers-and-sync-stand-alone: sync/engine.ts → main/core/ok.ts',
      ];
      for (const e of expected) expect(found, e).toContain(e);
      expect([...found].some((f) => f.startsWith('hardware-only-in-drivers: main/api/feature.ts → ') && f.includes('node_modules/serialport/'))).toBe(true);
      expect([...found].some((f) => f.startsWith('no-circular: main/util/'))).toBe(true);
      // Allowed: the renderer's shared pure modules, a type from sync/ in the core, sync/'s pure helpers in features.
      expect(
        [...found].filter(
          (f) => f.includes('renderer/src/ok.tsx') || f.includes('sync/record.ts') || f.includes('sync/links.ts') || f.includes('sync/net/bare-host.ts'),
        ),
      ).toEqual([]);
    } finally {
      tmp.cleanup();
    }
  });
});
