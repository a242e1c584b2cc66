import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDirs } from '../helpers/fixtures.js';

/**
 * scripts/node-runtime.sh on a fresh machine (README, "two commands"): no node and no npm on PATH, so the runtime
 * comes from the registry with curl, and is installed only when its tarball matches the registry's sha512 integrity.
 * The registry here is a loopback one (NPM_CONFIG_REGISTRY), serving a stand-in runtime.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const VERSION = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();
const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
const NAME = `node-linux-${ARCH}`;
const scratch = scratchDirs();
const hasTools = ['curl', 'tar', 'sha512sum', 'base64', 'od'].every((t) => spawnSync('/bin/sh', ['-c', `command -v ${t}`]).status === 0);

let server: Server;
let registry = '';
/** What the registry answers: the tarball, and the integrity it states for it. */
let served: { tarball: Buffer; integrity: string } = { tarball: Buffer.alloc(0), integrity: '' };

function runtimeTarball(): Buffer {
  const dir = scratch();
  mkdirSync(join(dir, 'package', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package', 'package.json'), JSON.stringify({ name: NAME, version: VERSION, bin: { node: 'bin/node' } }, null, 2));
  writeFileSync(join(dir, 'package', 'bin', 'node'), `#!/bin/sh\necho v${VERSION}\n`, { mode: 0o755 });
  const r = spawnSync('tar', ['-czf', '-', '-C', dir, 'package']);
  expect(r.status).toBe(0);
  return r.stdout;
}
const integrityOf = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === `/${NAME}/${VERSION}`) {
      // Spaces after the colons, as some registries and mirrors pretty-print their answers.
      res.end(
        `{"name": "${NAME}", "version": "${VERSION}", "dist": {"integrity": "${served.integrity}", "tarball": "${registry}${NAME}/-/${NAME}-${VERSION}.tgz"}}`,
      );
    } else if (req.url === `/${NAME}/-/${NAME}-${VERSION}.tgz`) {
      res.end(served.tarball);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A checkout holding only the script and .node-version, and a PATH of this machine's tools without node and npm. */
function freshMachine(without: string[] = []): { root: string; path: string } {
  const root = scratch();
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'node-runtime.sh'), join(root, 'scripts', 'node-runtime.sh'));
  copyFileSync(join(ROOT, '.node-version'), join(root, '.node-version'));
  const bin = join(root, 'fakebin');
  mkdirSync(bin);
  const skip = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack', ...without]);
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (skip.has(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  return { root, path: bin };
}

/** Runs the script as `bash scripts/node-runtime.sh` (not spawnSync: the loopback registry answers from this process). */
function install(m: { root: string; path: string }): Promise<{ code: number | null; out: string; err: string }> {
  const proc = spawn('bash', [join(m.root, 'scripts', 'node-runtime.sh')], {
    env: { PATH: m.path, HOME: m.root, NPM_CONFIG_REGISTRY: registry },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, out, err })));
}

describe.runIf(hasTools)('scripts/node-runtime.sh on a machine without node and npm', () => {
  it('fetches the runtime of .node-version from the registry with curl and checks its sha512 before unpacking', async () => {
    const tarball = runtimeTarball();
    served = { tarball, integrity: integrityOf(tarball) };
    const m = freshMachine();
    const r = await install(m);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(new RegExp(`${NAME}@${VERSION} installed in .* \\(sha512 checked\\)`));
    const bin = r.out.trim();
    expect(bin).toBe(join(m.root, '.runtime', ARCH, 'node_modules', NAME, 'bin'));
    expect(spawnSync(join(bin, 'node'), { encoding: 'utf8' }).stdout.trim()).toBe(`v${VERSION}`);
  });

  it('refuses a tarball that does not match the integrity the registry states, and installs nothing', async () => {
    const tarball = runtimeTarball();
    // One byte changed on the way (a mirror, a proxy): gzip may still unpack it, the hash must not match.
    const changed = Buffer.concat([tarball.subarray(0, -20), Buffer.from([(tarball.at(-20) ?? 0) ^ 0xff]), tarball.subarray(-19)]);
    served = { tarball: changed, integrity: integrityOf(tarball) };
    const m = freshMachine();
    const r = await install(m);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not match the registry's sha512 integrity: not installed/);
    expect(existsSync(join(m.root, '.runtime', ARCH, 'node_modules', NAME))).toBe(false);
  });

  it('without curl either, says what to install', async () => {
    const m = freshMachine(['curl']);
    const r = await install(m);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/neither npm nor curl is installed.*apt-get install -y curl ca-certificates/);
  });
});
