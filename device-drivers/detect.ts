import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import HID from 'node-hid';
import { SerialPort } from 'serialport';

export interface SerialCandidate {
  path: string;
  manufacturer: string | null;
  vendorId: string | null;
  productId: string | null;
  serialNumber: string | null;
  /** How it was found: udev's enumeration, or a scan of /dev where udev is absent. */
  source: 'udev' | 'dev-scan';
}

export interface HidCandidate {
  vendorId: number;
  productId: number;
  product: string | null;
  manufacturer: string | null;
  path: string | null;
  /** On the vendor-defined usage page 0xFF00 the keypad's HID variant uses. */
  likelyKeypad: boolean;
}

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

/** Device names a serial keypad or reader can have on Linux: USB adapters, USB CDC, and on-board UARTs. */
const SERIAL_NAME = /^tty(USB|ACM|S)\d+$/;

/**
 * Serial ports a technician can pick from, USB-serial adapters first. serialport enumerates through udev;
 * a kiosk without udev (containers, minimal images) gets a scan of /dev instead, never an error.
 */
export async function listSerialPorts(list: () => Promise<PortInfo[]> = () => SerialPort.list(), devDir = '/dev'): Promise<SerialCandidate[]> {
  let found: SerialCandidate[];
  try {
    found = (await list()).map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer ?? null,
      vendorId: p.vendorId ?? null,
      productId: p.productId ?? null,
      serialNumber: p.serialNumber ?? null,
      source: 'udev' as const,
    }));
  } catch {
    found = scanDev(devDir);
  }
  return found.sort((a, b) => Number(isUsb(b)) - Number(isUsb(a)) || a.path.localeCompare(b.path, 'en', { numeric: true }));
}

function isUsb(c: SerialCandidate): boolean {
  return c.vendorId !== null || /\/tty(USB|ACM)\d+$/.test(c.path);
}

/** /dev/serial/by-id names the USB adapters (`usb-<maker>_<product>_<serial>-if00-port0`); the rest by name. */
function scanDev(dir: string): SerialCandidate[] {
  let devDir = dir;
  try {
    devDir = realpathSync(dir);
  } catch {
    return [];
  }
  const byReal = new Map<string, SerialCandidate>();
  const blank = (path: string): SerialCandidate => ({ path, manufacturer: null, vendorId: null, productId: null, serialNumber: null, source: 'dev-scan' });
  for (const name of safeReaddir(devDir)) if (SERIAL_NAME.test(name)) byReal.set(join(devDir, name), blank(join(devDir, name)));
  const byId = join(devDir, 'serial', 'by-id');
  for (const name of safeReaddir(byId)) {
    let real: string;
    try {
      real = realpathSync(join(byId, name));
    } catch {
      continue;
    }
    const m = /^usb-(.+?)(?:-if\d+)?(?:-port\d+)?$/.exec(name);
    byReal.set(real, { ...blank(real), manufacturer: m?.[1]?.replace(/_/g, ' ') ?? name });
  }
  return [...byReal.values()];
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** HID devices, keypad candidates (usage page 0xFF00) first. */
export async function listHidDevices(list: () => Promise<HID.Device[]> = () => HID.devicesAsync()): Promise<HidCandidate[]> {
  const devices = await list();
  return devices
    .map((d) => ({
      vendorId: d.vendorId,
      productId: d.productId,
      product: d.product ?? null,
      manufacturer: d.manufacturer ?? null,
      path: d.path ?? null,
      likelyKeypad: d.usagePage === 0xff00,
    }))
    .sort((a, b) => Number(b.likelyKeypad) - Number(a.likelyKeypad));
}
