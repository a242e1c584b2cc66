import HID from 'node-hid';
import { SerialPort } from 'serialport';

export interface SerialCandidate {
  path: string;
  manufacturer: string | null;
  vendorId: string | null;
  productId: string | null;
  serialNumber: string | null;
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

/** Serial ports a technician can pick from (USB-serial adapters first). */
export async function listSerialPorts(list: () => Promise<Awaited<ReturnType<typeof SerialPort.list>>> = () => SerialPort.list()): Promise<SerialCandidate[]> {
  const ports = await list();
  return ports
    .map((p) => ({ path: p.path, manufacturer: p.manufacturer ?? null, vendorId: p.vendorId ?? null, productId: p.productId ?? null, serialNumber: p.serialNumber ?? null }))
    .sort((a, b) => Number(b.vendorId !== null) - Number(a.vendorId !== null) || a.path.localeCompare(b.path));
}

/** HID devices, keypad candidates (usage page 0xFF00) first. */
export async function listHidDevices(list: () => Promise<HID.Device[]> = () => HID.devicesAsync()): Promise<HidCandidate[]> {
  const devices = await list();
  return devices
    .map((d) => ({ vendorId: d.vendorId, productId: d.productId, product: d.product ?? null, manufacturer: d.manufacturer ?? null, path: d.path ?? null, likelyKeypad: d.usagePage === 0xff00 }))
    .sort((a, b) => Number(b.likelyKeypad) - Number(a.likelyKeypad));
}
