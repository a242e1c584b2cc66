import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPresent } from '../../main/cli/display.js';
import { scratchDirs } from '../helpers/fixtures.js';

const scratch = scratchDirs();

const listen = (path: string) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('whether the session’s display is still there', () => {
  it('a Wayland session: while its compositor’s socket answers, and not after', async () => {
    const runtime = scratch();
    const compositor = await listen(join(runtime, 'wayland-0'));
    const env = { XDG_RUNTIME_DIR: runtime, WAYLAND_DISPLAY: 'wayland-0' };
    expect(await displayPresent(env)).toBe(true);
    await close(compositor);
    expect(await displayPresent(env)).toBe(false);
  });

  it('an X session: while its server answers on the display’s socket, and not after', async () => {
    // An X server's abstract socket (Xorg and Xvfb open it beside /tmp/.X11-unix/X<n>), on a display nobody uses.
    const n = 40_000 + (process.pid % 20_000);
    const x = await listen(`\0/tmp/.X11-unix/X${String(n)}`);
    expect(await displayPresent({ DISPLAY: `:${String(n)}` })).toBe(true);
    expect(await displayPresent({ DISPLAY: `unix:${String(n)}.0` })).toBe(true);
    await close(x);
    expect(await displayPresent({ DISPLAY: `:${String(n)}` })).toBe(false);
  });

  it('a display it cannot check (none named, a remote one) counts as there', async () => {
    expect(await displayPresent({})).toBe(true);
    expect(await displayPresent({ DISPLAY: 'terminal-host:10.0' })).toBe(true);
  });
});
