import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TERMINAL_V8_FLAGS } from '../runtime/v8-flags.js';
import { parseCommandArgs, portArg, UsageError } from './args.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const UNIT = 'hcp-terminal.service';
const AUTOSTART = 'hcp-terminal-kiosk.desktop';

export interface ServiceFiles {
  unit: string;
  autostart: string;
}

/** The systemd unit of the headless terminal and the desktop autostart entry of its kiosk window. */
export function serviceFiles(o: { dataDir: string; user: string; port: number | undefined; node: string; bin: string }): ServiceFiles {
  const port = o.port === undefined ? [] : ['--port', String(o.port)];
  const unit = `# Written by \`hcp-terminal install-service\`; regenerate rather than edit.
[Unit]
Description=HCP Terminal (好差评窗口评价终端), headless
Documentation=file://${join(ROOT, 'docs', 'technician.md')}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=60
StartLimitBurst=10

[Service]
Type=simple
User=${o.user}
ExecStart=${[o.node, ...TERMINAL_V8_FLAGS, o.bin, 'serve', '--data-dir', o.dataDir, ...port].map(quote).join(' ')}
Restart=on-failure
RestartSec=2
TimeoutStopSec=15
UMask=0077
Environment=HCP_LOG_LEVEL=info
# V8's compiled modules, kept between starts (a faster start on slow boards; bin/hcp-terminal.js).
CacheDirectory=hcp-terminal
Environment=NODE_COMPILE_CACHE=%C/hcp-terminal
# Serial keypads and badge readers belong to the dialout group.
SupplementaryGroups=dialout
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ReadWritePaths=${quote(o.dataDir)}

[Install]
WantedBy=multi-user.target
`;
  // The launcher waits for the terminal, then opens Chromium in kiosk mode on the launch page (never a browser error page).
  const exec = [o.node, o.bin, 'kiosk', '--data-dir', o.dataDir];
  const autostart = `# Written by \`hcp-terminal install-service\`: the kiosk window at login.
[Desktop Entry]
Type=Application
Name=HCP Terminal kiosk
Name[zh_CN]=好差评评价终端
Exec=${exec.map(quote).join(' ')}
X-GNOME-Autostart-enabled=true
NoDisplay=true
`;
  return { unit, autostart };
}

/**
 * \`hcp-terminal install-service\`: writes (or with --print shows) the systemd unit that starts the headless terminal at
 * boot and restarts it on failure, and the autostart entry that opens its kiosk window at login.
 */
export function installService(argv: string[]): number {
  const a = parseCommandArgs(
    argv,
    {
      'data-dir': { type: 'string' },
      user: { type: 'string' },
      port: { type: 'string' },
      print: { type: 'boolean' },
      'unit-dir': { type: 'string' },
      'autostart-dir': { type: 'string' },
    },
    ['data-dir'],
  );
  const dataDir = resolve(a.required('data-dir'));
  const user = a.string('user') ?? userInfo().username;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/i.test(user)) throw new UsageError(`--user ${user} is not a user name`);
  const files = serviceFiles({
    dataDir,
    user,
    port: portArg(a.string('port')),
    node: process.execPath,
    bin: join(ROOT, 'bin', 'hcp-terminal.js'),
  });
  if (a.flag('print')) {
    process.stdout.write(`# ${UNIT}\n${files.unit}\n# ${AUTOSTART}\n${files.autostart}`);
    return 0;
  }
  const unitPath = join(a.string('unit-dir') ?? '/etc/systemd/system', UNIT);
  const autostartPath = join(a.string('autostart-dir') ?? join('/home', user, '.config', 'autostart'), AUTOSTART);
  for (const [path, text] of [
    [unitPath, files.unit],
    [autostartPath, files.autostart],
  ] as const) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode: 0o644 });
    chmodSync(path, 0o644);
  }
  process.stdout.write(
    JSON.stringify({ event: 'installed', unit: unitPath, autostart: autostartPath, next: `systemctl daemon-reload && systemctl enable --now ${UNIT}` }) + '\n',
  );
  return 0;
}

/** systemd and desktop-entry quoting: a word with spaces or quotes goes in double quotes. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}
