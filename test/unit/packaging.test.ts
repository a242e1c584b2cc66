import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { checkElfMachines, checkNativeBuilds } from '../../packaging/build-release.mjs';
import { shippable } from '../../packaging/check-licences.mjs';
import { checkInstallScripts, checkLockfile } from '../../packaging/check-lockfile.mjs';
import { TERMINAL_V8_FLAGS } from '../../main/runtime/v8-flags.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const hasReadelf = spawnSync('readelf', ['--version']).status === 0;

describe('electron-builder.yml (the Electron packages stay on paper here)', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

  it("is valid under electron-builder's own schema", () => {
    const config = load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'));
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it("starts the packaged kiosk with the terminal's V8 flags (Electron's main process reads them only from its command line)", () => {
    const config = load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { linux?: { executableArgs?: unknown } };
    expect(config.linux?.executableArgs).toEqual([`--js-flags=${TERMINAL_V8_FLAGS.join(' ')}`]);
  });

  it('and the schema would catch a mistake (an unknown key, a wrong target type)', () => {
    const config = load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
    expect(validate({ ...config, asarr: true })).toBe(false);
    expect(validate({ ...config, linux: { target: 42 } })).toBe(false);
  });
});

describe('supply-chain checks', () => {
  it('ships permissive licences only: copyleft or an unknown licence fails', () => {
    expect(shippable('MIT')).toBe(true);
    expect(shippable('(MIT OR GPL-3.0-only)')).toBe(true);
    expect(shippable('BlueOak-1.0.0')).toBe(true);
    expect(shippable('GPL-2.0-or-later')).toBe(false);
    expect(shippable('LGPL-3.0')).toBe(false);
    expect(shippable('MPL-2.0')).toBe(false);
    expect(shippable('MIT AND LGPL-2.1')).toBe(false);
    expect(shippable('UNKNOWN')).toBe(false);
    expect(shippable('')).toBe(false);
  });

  it('the lockfile: every entry from the registry with a sha512 hash', () => {
    const good = { lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0', integrity: 'sha512-AAAA' } } };
    expect(checkLockfile(good)).toEqual({ checked: 1, problems: [] });
    const bad = {
      lockfileVersion: 3,
      packages: {
        'node_modules/a': { version: '1.0.0' },
        'node_modules/b': { version: '1.0.0', integrity: 'sha1-AAAA' },
        'node_modules/c': { version: '1.0.0', resolved: 'git+ssh://git@example.com/c.git', integrity: 'sha512-AAAA' },
      },
    };
    expect(checkLockfile(bad).problems).toHaveLength(3);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as unknown;
    expect(checkLockfile(lock).problems).toEqual([]);
  });

  it('every dependency with an install script is approved or refused in allowScripts, so none slips by as a warning', () => {
    const lock = { lockfileVersion: 3, packages: { 'node_modules/a/node_modules/@s/native': { version: '1.0.0', hasInstallScript: true } } };
    expect(checkInstallScripts(lock, {})).toEqual([expect.stringContaining('@s/native: has an install script')]);
    expect(checkInstallScripts(lock, { '@s/native': false })).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(checkInstallScripts(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as unknown, pkg.allowScripts)).toEqual([]);
  });
});

describe('the package build', () => {
  it.runIf(hasReadelf)('refuses a binary built for another machine', () => {
    expect(checkElfMachines([process.execPath], process.arch === 'arm64' ? 'arm64' : 'amd64')).toBe(1);
    expect(() => checkElfMachines([process.execPath], process.arch === 'arm64' ? 'amd64' : 'arm64')).toThrow(/not built for/);
  });

  it('stops naming a native module that has no prebuilt binary for the package architecture (nothing is compiled)', () => {
    const modules = mkdtempSync(join(tmpdir(), 'hcp-native-'));
    const file = (path: string) => {
      mkdirSync(join(modules, path, '..'), { recursive: true });
      writeFileSync(join(modules, path), '');
      return join(modules, path);
    };
    try {
      file('better-sqlite3/package.json');
      file('better-sqlite3/binding.gyp');
      const sqlite = file('better-sqlite3/prebuilds/linux-x64.node');
      file('@serialport/bindings-cpp/package.json');
      file('@serialport/bindings-cpp/binding.gyp');
      // Its only binary belongs to a nested dependency, not to it.
      file('@serialport/bindings-cpp/node_modules/helper/package.json');
      const nested = file('@serialport/bindings-cpp/node_modules/helper/prebuilds/linux-x64/helper.node');
      file('plain/package.json');
      expect(() => checkNativeBuilds(modules, [sqlite, nested], 'amd64')).toThrow(
        /cannot build the package: no prebuilt linux-x64 binary in `@serialport\/bindings-cpp`\. This build compiles nothing/,
      );
      const serial = file('@serialport/bindings-cpp/prebuilds/linux-x64/bindings.glibc.node');
      expect(checkNativeBuilds(modules, [sqlite, nested, serial], 'amd64')).toBe(2);
      expect(() => checkNativeBuilds(modules, [], 'arm64')).toThrow(
        /no prebuilt linux-arm64 binary in `@serialport\/bindings-cpp`, `better-sqlite3`|`better-sqlite3`, `@serialport\/bindings-cpp`/,
      );
    } finally {
      rmSync(modules, { recursive: true, force: true });
    }
  });

  it('stops with a message naming each tool it lacks', () => {
    const bin = mkdtempSync(join(tmpdir(), 'hcp-nopath-'));
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
      const r = spawnSync(process.execPath, [join(ROOT, 'packaging', 'build-deb.mjs')], { encoding: 'utf8', env: { PATH: bin } });
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/missing `dpkg-deb`.*`readelf`/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
