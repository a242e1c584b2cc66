import { Rdm6300Reader, type BadgeReaderStatus } from '../../device-drivers/badge-rdm6300/rdm6300.js';
import { HidKeypad } from '../../device-drivers/keypad-hid/hid-keypad.js';
import { openNodeHid, type HidOpener } from '../../device-drivers/keypad-hid/hid-port.js';
import type { KeypadDevice, KeypadStatus } from '../../device-drivers/keypad.js';
import { KeypadEmulator } from '../../device-drivers/keypad-serial/emulator.js';
import { SerialKeypad } from '../../device-drivers/keypad-serial/serial-keypad.js';
import { SerialTransport } from '../../device-drivers/serial-transport.js';
import { memoryTransportPair } from '../../device-drivers/transport.js';
import type { DevicesPort, Logger } from '../core/ports.js';
import type { Terminal } from '../core/terminal.js';
import type { BadgeSettings, KeypadSettings } from '../provisioning/schema.js';
import { deliver } from './deliver.js';
import { KeypadController } from './keypad-controller.js';

export type DeviceStatus = {
  keypad: KeypadStatus | { type: 'none' };
  badge: BadgeReaderStatus | { type: 'keyboard' | 'keypad' | 'none' };
};

export interface Devices extends DevicesPort {
  readonly keypadPort: KeypadController | undefined;
  /** The demo's simulated keypad, pressed from the demo panel on screen. */
  readonly simulator: KeypadEmulator | null;
  attach(terminal: Terminal): void;
  stop(): Promise<void>;
}

export interface DeviceOptions {
  hidOpener?: HidOpener;
  /** Overrides for tests: faster link timers. */
  linkTimers?: { reopenMs?: number; silenceMs?: number; pingIdleMs?: number };
}

/** Builds the keypad and badge reader the provisioning names, and keeps their status for the API and SSE. */
export function createDevices(settings: { keypad: KeypadSettings; badge: BadgeSettings }, log: Logger, now: () => number, opts: DeviceOptions = {}): Devices {
  let keypad: KeypadDevice | null = null;
  let simulator: KeypadEmulator | null = null;
  const k = settings.keypad;
  switch (k.type) {
    case 'serial':
      keypad = new SerialKeypad(new SerialTransport(k.path, k.baudRate), 'serial', k.path, { address: k.address, ...opts.linkTimers });
      break;
    case 'hid':
      keypad = new HidKeypad(opts.hidOpener ?? openNodeHid, { vendorId: usbId(k.vendorId), productId: usbId(k.productId), ...opts.linkTimers });
      break;
    case 'simulated': {
      const [host, device] = memoryTransportPair();
      keypad = new SerialKeypad(host, 'simulated', 'memory', opts.linkTimers);
      simulator = new KeypadEmulator(device);
      break;
    }
    case 'none':
      break;
  }
  const reader = settings.badge.type === 'serial-rdm6300' ? new Rdm6300Reader(new SerialTransport(settings.badge.path, 9600), opts.linkTimers) : null;
  const controller = keypad ? new KeypadController(keypad, log, now) : undefined;

  const status = (): DeviceStatus => ({
    keypad: keypad?.status() ?? { type: 'none' },
    badge: reader?.status() ?? { type: settings.badge.type === 'serial-rdm6300' ? 'none' : settings.badge.type },
  });

  return {
    keypadPort: controller,
    simulator,
    status,
    keypadSummary: () => {
      const s = keypad?.status();
      const last = controller?.lastKey ?? null;
      return s ? { kind: s.type, connected: s.connected, lastKey: last?.key ?? null, lastKeyAt: last?.at ?? null } : null;
    },
    attach(terminal) {
      const publish = () => terminal.publish({ type: 'device.status', devices: status() });
      if (keypad && controller) {
        controller.attach(terminal, settings.badge.type !== 'none');
        keypad.on('status', publish);
        keypad.start();
      }
      if (reader) {
        reader.on('badge', (id) => deliver(log, 'badge reader', () => terminal.loginByBadge(id)));
        reader.on('status', publish);
        reader.start();
      }
      simulator?.start().catch((err: unknown) => log.error({ err }, 'simulated keypad failed'));
    },
    async stop() {
      await Promise.all([keypad?.stop(), reader?.stop(), simulator?.stop()]);
    },
  };
}

function usbId(v: string | number): number {
  return typeof v === 'number' ? v : parseInt(v.replace(/^0x/i, ''), 16);
}
