import HID from 'node-hid';

/** The part of a HID device the keypad uses: the seam tests stand in for (there is no /dev/uhid here). */
export interface HidPort {
  onData(listener: (report: Buffer) => void): void;
  onError(listener: (err: Error) => void): void;
  write(report: number[]): Promise<void>;
  close(): Promise<void>;
}

export type HidOpener = (vendorId: number, productId: number) => Promise<HidPort>;

/** Opens the first HID device with these ids through node-hid. Rejects when it is not attached. */
export const openNodeHid: HidOpener = async (vendorId, productId) => {
  const dev = await HID.HIDAsync.open(vendorId, productId);
  return {
    onData: (l) => void dev.on('data', l),
    onError: (l) => void dev.on('error', l),
    write: async (report) => {
      await dev.write(report);
    },
    close: () => dev.close(),
  };
};
