#!/usr/bin/env node
// `npm start`: the terminal as people see it. Electron in kiosk mode where its binary is installed;
// otherwise `serve --demo` and Chromium in app mode on the served UI.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { homedir, tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.HCP_DATA_DIR ?? join(homedir(), '.local', 'share', 'hcp-terminal', 'demo');
// The demo's data is still terminal data: the user's alone.
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
chmodSync(dataDir, 0o700);

const electronDir = join(root, 'node_modules', 'electron');
const electronPath = join(electronDir, 'path.txt');
if (existsSync(electronPath)) {
  const { default: electronBinary } = await import('electron');
  const child = spawn(String(electronBinary), [root, '--data-dir', dataDir, '--demo'], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const { TERMINAL_V8_FLAGS, TERMINAL_MALLOC_ENV } = await import('../dist/main/runtime/v8-flags.js');
  const terminal = spawn(process.execPath, [...TERMINAL_V8_FLAGS, join(root, 'bin', 'hcp-terminal.js'), 'serve', '--data-dir', dataDir, '--demo'], {
    env: { ...TERMINAL_MALLOC_ENV, ...process.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => terminal.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  terminal.on('exit', (code) => process.exit(code ?? 0));
  createInterface({ input: terminal.stdout }).once('line', (line) => {
    process.stdout.write(line + '\n');
    const { ui, api } = JSON.parse(line);
    process.stdout.write(
      `\nHCP Terminal (demo) is running.\n  screen: ${ui}\n  local API: ${api}  (token: demo-local-api-token-0001)\n  log in the demo staff member: curl -H 'Authorization: Bearer demo-local-api-token-0001' -H 'content-type: application/json' -d '{"badgeId":"0A1B2C3D4E"}' ${api}/staff/login\n\n`,
    );
    const browser = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync);
    if (!browser || (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)) {
      process.stdout.write('No display or Chromium found: open the screen URL in a browser.\n');
      return;
    }
    const profile = join(tmpdir(), 'hcp-terminal-chromium');
    spawn(
      browser,
      [
        // The launch page hands the window the kiosk's per-boot secret (docs/security.md), then opens the UI.
        `--app=${pathToFileURL(join(dataDir, 'kiosk', 'launch.html')).href}`,
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
        '--window-size=1280,800',
      ],
      { stdio: 'ignore', detached: true },
    ).unref();
  });
}
