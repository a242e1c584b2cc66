import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listHidDevices, listSerialPorts } from '../../device-drivers/detect.js';
import { tempDir } from '../helpers/fixtures.js';
import { HidKeypad } from '../../device-drivers/keypad-hid/hid-keypad.js';
import type { HidOpener, HidPort } from '../../device-drivers/keypad-hid/hid-port.js';
import { LedMode } from '../../device-drivers/keypad-serial/protocol.js';

/** A HID device behind the transport seam (there is no /dev/uhid on the build machines). */
class FakeHid implements HidPort {
  written: number[][] = [];
  closed = false;
  private data: ((r: Buffer) => void) | null = null;
  private error: ((e: Error) => void) | null = null;
  onData(l: (r: Buffer) => void): void {
    this.data = l;
  }
  onError(l: (e: Error) => void): void {
    this.error = l;
  }
  write(report: number[]): Promise<void> {
    this.written.push(report);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  report(bytes: number[]): void {
    this.data?.(Buffer.from(bytes));
  }
  unplug(): void {
    this.error?.(new Error('could not read from HID device'));
  }
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function until(cond: () => boolean): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > 2000) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('HID keypad', () => {
  it('reads keys from input report 1, sets keys with output report 2, and reopens after an unplug', async () => {
    const devices: FakeHid[] = [];
    let attempts = 0;
    const opener: HidOpener = (vid, pid) => {
      attempts++;
      expect([vid, pid]).toEqual([0x1a86, 0xe010]);
      if (attempts === 1) return Promise.reject(new Error('device not found'));
      const d = new FakeHid();
      devices.push(d);
      return Promise.resolve(d);
    };
    const keypad = new HidKeypad(opener, { vendorId: 0x1a86, productId: 0xe010, reopenMs: 20 });
    const keys: number[] = [];
    let ready = 0;
    keypad.on('key', (k) => keys.push(k));
    keypad.on('ready', () => ready++);
    keypad.start();
    stops.push(() => keypad.stop());
    expect(keypad.status().connected).toBe(false);
    await until(() => ready === 1);
    expect(keypad.status()).toMatchObject({ type: 'hid', where: '0x1a86:0xe010', connected: true, capabilities: { lcd: false, leds: true } });
    const dev = devices[0]!;
    dev.report([0x01, 3]);
    dev.report([0x01, 0x10]);
    dev.report([0x07, 1]);
    expect(keys).toEqual([3, 0x10]);
    expect(keypad.status().badFrames).toBe(1);
    keypad.setKeys(0x1f, LedMode.BLINK);
    expect(dev.written).toEqual([[0x02, 0x1f, 2]]);
    // Commands the HID variant lacks are harmless no-ops.
    keypad.showText();
    keypad.playPrompt();
    keypad.highlight();

    dev.unplug();
    expect(keypad.status()).toMatchObject({ connected: false, lastError: 'could not read from HID device' });
    expect(dev.closed).toBe(true);
    await until(() => ready === 2);
    devices[1]!.report([0x01, 5]);
    expect(keys.at(-1)).toBe(5);
  });
});

describe('device detection', () => {
  it('lists USB-serial adapters first and keypad-like HID devices (usage page 0xFF00) first', async () => {
    const serial = await listSerialPorts(() =>
      Promise.resolve([
        {
          path: '/dev/ttyS0',
          manufacturer: undefined,
          serialNumber: undefined,
          pnpId: undefined,
          locationId: undefined,
          productId: undefined,
          vendorId: undefined,
        },
        { path: '/dev/ttyUSB0', manufacturer: 'wch.cn', serialNumber: 'X1', pnpId: undefined, locationId: undefined, productId: '7523', vendorId: '1a86' },
      ]),
    );
    expect(serial.map((s) => s.path)).toEqual(['/dev/ttyUSB0', '/dev/ttyS0']);
    expect(serial[0]).toMatchObject({ manufacturer: 'wch.cn', vendorId: '1a86', productId: '7523' });
    const hid = await listHidDevices(() =>
      Promise.resolve([
        { vendorId: 1, productId: 2, release: 1, interface: 0, usagePage: 1, product: 'Mouse' },
        { vendorId: 0x1a86, productId: 0xe010, release: 1, interface: 0, usagePage: 0xff00, product: 'Rating keypad' },
      ]),
    );
    expect(hid.map((h) => [h.product, h.likelyKeypad])).toEqual([
      ['Rating keypad', true],
      ['Mouse', false],
    ]);
    // The real enumerations answer on this machine, with udev or without, devices attached or not.
    expect(Array.isArray(await listSerialPorts())).toBe(true);
    expect(Array.isArray(await listHidDevices())).toBe(true);
  });

  it('lists serial ports from /dev when udev is absent (spawn udevadm ENOENT), USB adapters first, named from by-id', async () => {
    const dev = tempDir();
    try {
      for (const name of ['ttyS1', 'ttyS0', 'ttyUSB0', 'ttyACM0', 'tty0', 'null']) writeFileSync(join(dev.path, name), '');
      mkdirSync(join(dev.path, 'serial', 'by-id'), { recursive: true });
      symlinkSync('../../ttyUSB0', join(dev.path, 'serial', 'by-id', 'usb-1a86_USB_Serial-if00-port0'));
      const noUdev = () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' }));
      const ports = await listSerialPorts(noUdev, dev.path);
      expect(ports.map((p) => basename(p.path))).toEqual(['ttyACM0', 'ttyUSB0', 'ttyS0', 'ttyS1']);
      expect(ports.find((p) => p.path.endsWith('ttyUSB0'))).toMatchObject({ manufacturer: '1a86 USB Serial', source: 'dev-scan' });
      // No /dev at all: an empty list, not an error.
      expect(await listSerialPorts(noUdev, join(dev.path, 'missing'))).toEqual([]);
    } finally {
      dev.cleanup();
    }
  });
});
