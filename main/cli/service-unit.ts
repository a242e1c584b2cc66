import { kioskDirOf } from '../host/kiosk-pass.js';
import { spoolDirOf } from '../update/layout.js';
import { TERMINAL_MALLOC_ENV } from '../runtime/v8-flags.js';

/**
 * The systemd unit of the headless terminal and the desktop autostart entry of its kiosk window: one source for
 * `hcp-terminal install-service` (a checkout) and the Debian package (packaging/build-deb.mjs).
 */
export interface UnitOptions {
  dataDir: string;
  user: string;
  port: number | undefined;
  /** What starts the terminal: a checkout's node, V8 flags and bin, or the package's launcher. */
  command: readonly string[];
  documentation: string;
  /** The package's settings file; its HCP_SERVE_ARGS are appended to `serve`. */
  environmentFile?: string;
  /** The package's udev rule and postinst make the service user's group own the keypad's hidraw. */
  group?: string;
  /**
   * The package's release folder (`/usr/lib/hcp-terminal`, around `releases/`): the launcher rewrites `current`, `good`
   * and `trial.json` there, so the unit may write it; `releases/` inside stays root's by its mode (docs/updates.md).
   */
  layoutDir?: string;
  /**
   * The kiosk window is another user's (the package; `install-service --kiosk-user`): the terminal hands it the kiosk
   * pass in the folder root made beside the data directory for the kiosk's group (docs/security.md), so the unit may
   * write there ('-': a unit whose folder is missing still starts, and the pass stays in the data directory).
   */
  kioskHandover?: boolean;
}

export interface ServiceFiles {
  unit: string;
  autostart: string;
}

/** Paths that ProtectHome=yes would hide: a checkout under a home folder then gets ProtectHome=read-only. */
const HOMES = /^\/(home|root|run\/user)(\/|$)/;

/**
 * The sandbox: everything the terminal does not need is off (docs/packaging.md, hardening). What it needs and keeps:
 * the network (province, local API, kiosk), its data directory, serial ports and hidraw (DeviceAllow), and writable
 * executable memory (V8's JIT, so no MemoryDenyWriteExecute).
 */
function sandbox(o: UnitOptions): string[] {
  const paths = [o.dataDir, ...o.command];
  return [
    'NoNewPrivileges=yes',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'UMask=0077',
    'ProtectSystem=strict',
    `ProtectHome=${paths.some((p) => HOMES.test(p)) ? 'read-only' : 'yes'}`,
    `ReadWritePaths=${[o.dataDir, ...(o.kioskHandover ? [`-${kioskDirOf(o.dataDir)}`] : []), ...(o.layoutDir === undefined ? [] : [o.layoutDir])].map(quote).join(' ')}`,
    'PrivateTmp=yes',
    'PrivateMounts=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'RemoveIPC=yes',
    // The province and the local API (inet), udev's device enumeration (netlink, unix).
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    'SystemCallFilter=~@privileged @resources',
    // A refused call fails with EPERM instead of killing the terminal (Node probes setrlimit at start).
    'SystemCallErrorNumber=EPERM',
    // Only the keypad's and badge reader's devices: USB and built-in serial ports, and hidraw.
    'PrivateDevices=no',
    'DevicePolicy=closed',
    'DeviceAllow=char-ttyUSB rw',
    'DeviceAllow=char-ttyACM rw',
    'DeviceAllow=char-ttyS rw',
    'DeviceAllow=char-hidraw rw',
  ];
}

export function serviceFiles(o: UnitOptions): ServiceFiles {
  const port = o.port === undefined ? [] : ['--port', String(o.port)];
  const serve = [...o.command, 'serve', '--data-dir', o.dataDir, ...port].map(quote).join(' ');
  const env = o.environmentFile === undefined ? ['Environment=HCP_LOG_LEVEL=info'] : [`EnvironmentFile=-${o.environmentFile}`];
  const unit = `# Written by \`hcp-terminal install-service\`; regenerate rather than edit.
[Unit]
Description=HCP Terminal (好差评窗口评价终端), headless
Documentation=${o.documentation}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=60
StartLimitBurst=10

[Service]
Type=simple
User=${o.user}
${o.group === undefined ? '' : `Group=${o.group}\n`}ExecStart=${serve}${o.environmentFile === undefined ? '' : ' $HCP_SERVE_ARGS'}
Restart=on-failure
RestartSec=2
TimeoutStopSec=15
${env.join('\n')}
# V8's compiled modules, kept between starts (a faster start on slow boards; bin/hcp-terminal.js).
CacheDirectory=hcp-terminal
Environment=NODE_COMPILE_CACHE=%C/hcp-terminal
# glibc's allocator, read once at start: two arenas, freed memory given back (main/runtime/v8-flags.ts).
${Object.entries(TERMINAL_MALLOC_ENV)
  .map(([name, value]) => `Environment=${name}=${value}`)
  .join('\n')}
# Serial keypads and badge readers belong to the dialout group.
SupplementaryGroups=dialout
${sandbox(o).join('\n')}

[Install]
WantedBy=multi-user.target
`;
  // The launcher waits for the terminal, then opens Chromium in kiosk mode on the launch page (never a browser error
  // page), and keeps it open for the session (its window shell opens it again after a crash): an entry the session
  // starts and leaves.
  const exec = [...o.command, 'kiosk', '--data-dir', o.dataDir];
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

/** systemd and desktop-entry quoting: a word with spaces or quotes goes in double quotes. */
export function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

export interface UpdaterOptions {
  dataDir: string;
  /** The folder around `releases/` (the package's /usr/lib/hcp-terminal). */
  layoutDir: string;
  command: readonly string[];
  documentation: string;
}

/**
 * Root's installer of bundles the terminal hands over (docs/updates.md, "Installs are root's"): a path unit that
 * starts a oneshot whenever the spool holds a file. The oneshot runs as root, because only root adds a release, but
 * writes only the release folder, has no network, and reads the spool and the database only through a child that
 * runs as the data directory's owner.
 */
export function updaterUnits(o: UpdaterOptions): { service: string; path: string } {
  const spool = spoolDirOf(o.dataDir);
  const exec = [...o.command, 'update', '--spool', spool, '--data-dir', o.dataDir].map(quote).join(' ');
  const service = `# Written for the package by \`hcp-terminal install-service\`'s generator; reinstall rather than edit.
[Unit]
Description=HCP Terminal: installs the update bundles the terminal hands over
Documentation=${o.documentation}
ConditionDirectoryNotEmpty=${quote(spool)}

[Service]
Type=oneshot
ExecStart=${exec}
# A refused bundle is an answer (in the log, in \`hcp-terminal releases\` and to the terminal), not a failed unit.
SuccessExitStatus=4
TimeoutStartSec=30min
Environment=HCP_LOG_LEVEL=info
# Root, because only root adds a release; nothing else root could do is kept.
CapabilityBoundingSet=CAP_CHOWN CAP_DAC_READ_SEARCH CAP_SETUID CAP_SETGID
NoNewPrivileges=yes
UMask=0022
ProtectSystem=strict
ReadWritePaths=${quote(o.layoutDir)} ${quote(o.dataDir)}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateNetwork=yes
PrivateMounts=yes
IPAddressDeny=any
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@resources
SystemCallErrorNumber=EPERM
`;
  const path = `# Written for the package; reinstall rather than edit.
[Unit]
Description=HCP Terminal: watches for update bundles the terminal hands over
Documentation=${o.documentation}

[Path]
DirectoryNotEmpty=${quote(spool)}
Unit=hcp-terminal-update.service

[Install]
WantedBy=multi-user.target
`;
  return { service, path };
}
