import { app, ipcMain, powerSaveBlocker, type BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHost, type RunningHost } from '../host/host.js';
import { installCrashHandlers } from '../log/crash-handler.js';
import { createLogger } from '../log/logger.js';
import { ProvisioningError, readProvisioningFile } from '../provisioning/apply.js';
import { startRuntime, type Runtime } from '../runtime/runtime.js';
import { ensureWritableDir } from '../store/database.js';
import { registerAppScheme, serveAppScheme } from './app-protocol.js';
import { wireBridgeIpc } from './bridge-ipc.js';
import { createKioskWindow } from './kiosk-window.js';
import { ProvincePageView } from './page-view.js';
import { safeStorageSealer } from './safe-storage-sealer.js';
import { KeySealer, layeredSealer, loadKeyFile } from '../provisioning/secrets.js';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', '..', 'renderer');

/** Command-line switches after `--`: `--data-dir DIR`, `--config FILE`, `--demo`, `--windowed`. */
function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function boot(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  await app.whenReady();
  const dataDir = option('data-dir') ?? join(app.getPath('userData'), 'data');
  const config = option('config');
  let log = createLogger(null);
  serveAppScheme(rendererDir);
  let runtime: Runtime;
  let host: RunningHost;
  try {
    const provisioningFile = config ? readProvisioningFile(config) : null;
    ensureWritableDir(dataDir);
    log = createLogger(dataDir);
    installCrashHandlers(log, (code) => app.exit(code));
    const keyFile = loadKeyFile(dataDir, false);
    const keychain = await safeStorageSealer();
    if ('refused' in keychain) log.warn({ keychain: keychain.refused }, 'OS keychain refused; secrets stay sealed under the key file');
    const sealer = 'sealer' in keychain ? layeredSealer(keychain.sealer, keyFile && new KeySealer(keyFile)) : undefined;
    runtime = await startRuntime({
      dataDir,
      provisioningFile,
      demo: process.argv.includes('--demo'),
      log,
      sealer,
      usbRoots: option('usb-root') ? [option('usb-root') ?? ''] : undefined,
      // A new process: the technician enters the PIN again after the restart.
      restart: () => {
        app.relaunch();
        app.quit();
      },
      exitKiosk: () => app.quit(),
    });
    const prov = runtime.provisioning;
    // Electron's window talks IPC to app:// pages: no kiosk UI and no bridge socket on the network port.
    host = await startHost({
      runtime,
      host: prov?.localApi.host ?? '127.0.0.1',
      port: prov?.localApi.port ?? 8720,
      uiDir: rendererDir,
      log,
      dataDir,
      kioskUi: false,
      tls: runtime.apiTls ?? undefined,
    });
  } catch (err) {
    log.fatal({ err }, 'terminal could not start');
    app.exit(err instanceof ProvisioningError ? 2 : 3);
    return;
  }
  let win: BrowserWindow | null = createKioskWindow({
    preload: join(here, 'preload.cjs'),
    kiosk: !process.argv.includes('--windowed'),
    log: (msg, detail) => log.warn(detail ?? {}, msg),
  });
  const page = runtime.page;
  const pageView = page
    ? new ProvincePageView(win, { origins: page.origins, returnUrl: (id) => page.returnUrl(id), hooks: page.page, network: page.network })
    : null;
  const unwatchPage = pageView ? runtime.terminal.onView((v) => pageView.show(v.page)) : () => undefined;
  const unwire = wireBridgeIpc(ipcMain, runtime.terminal, () => (win && !win.isDestroyed() ? win.webContents : null), {
    ...runtime.intentExtras,
    pageFrame: (id, rect) => pageView?.placeAt(id, rect),
  });
  const blocker = powerSaveBlocker.start('prevent-display-sleep');
  app.on('second-instance', () => win?.focus());
  win.on('closed', () => {
    win = null;
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    unwatchPage();
    pageView?.close();
    unwire();
    powerSaveBlocker.stop(blocker);
    void host.close().finally(() => void runtime.close());
  });
  log.info({ ui: 'app://hcp/', api: host.apiUrl }, 'terminal ready (electron)');
}
