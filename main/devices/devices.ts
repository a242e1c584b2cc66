import { Rdm6300Reader, type BadgeReaderStatus } from '../../device-drivers/badge-rdm6300/rdm6300.js';
import { HidKeypad } from '../../device-drivers/keypad-hid/hid-keypad.js';
import { openNodeHid, type HidOpener } from '../../device-drivers/keypad-hid/hid-port.js';
import type { KeypadDevice, KeypadStatus } from '../../device-drivers/keypad.js';
import { KeypadEmulator } from '../../device-drivers/keypad-serial/emulator.js';
import { SerialKeypad } from '../../device-drivers/keypad-serial/serial-keypad.js';
import { ALL_RATING_KEYS, LedMode, Prompt } from '../../device-drivers/keypad-serial/protocol.js';
import { intentForKey } from '../../device-drivers/keypad-keys.js';
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
  /** Every key and badge the devices deliver, for the technician's live event view. */
  onInput(listener: (source: 'keypad' | 'badge', what: string) => void): void;
  /** The devices screen's tests: keys lit and enabled, LCD text, a voice prompt. False without a keypad. */
  test(what: 'leds' | 'lcd' | 'prompt', prompt: number): boolean;
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

  // What the terminal and the technician's view listen to, detached at stop: a driver may still report something it
  // read before it stopped (a frame in flight), and by then the runtime is closing the store a view reads.
  const detach: (() => void)[] = [];

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
        detach.push(controller.attach(terminal, settings.badge.type !== 'none'), keypad.on('status', publish));
        keypad.start();
      }
      if (reader) {
        detach.push(
          reader.on('badge', (id) => deliver(log, 'badge reader', () => terminal.loginByBadge(id))),
          reader.on('status', publish),
        );
        reader.start();
      }
      simulator?.start().catch((err: unknown) => log.error({ err }, 'simulated keypad failed'));
    },
    onInput(listener) {
      if (keypad)
        detach.push(
          keypad.on('key', (key) => listener('keypad', keyName(key))),
          keypad.on('card', (id) => listener('badge', id)),
        );
      if (reader) detach.push(reader.on('badge', (id) => listener('badge', id)));
    },
    test(what, prompt) {
      if (!keypad) return false;
      if (what === 'leds') keypad.setKeys(ALL_RATING_KEYS, LedMode.BLINK);
      else if (what === 'lcd') {
        keypad.showText(0, '测试 TEST 0123456789');
        keypad.showText(1, '显示正常 LCD OK');
      } else {
        const p = Object.values(Prompt).find((v) => v === prompt);
        if (p === undefined) return false;
        keypad.playPrompt(p);
      }
      return true;
    },
    async stop() {
      for (const off of detach.splice(0)) off();
      await Promise.all([keypad?.stop(), reader?.stop(), simulator?.stop()]);
    },
  };
}

function keyName(key: number): string {
  const intent = intentForKey(key);
  return intent?.kind === 'choose' ? `key ${String(key)}` : intent ? `key 0x${key.toString(16)} (${intent.kind})` : `key 0x${key.toString(16)}`;
}

function usbId(v: string | number): number {
  return typeof v === 'number' ? v : parseInt(v.replace(/^0x/i, ''), 16);
}
