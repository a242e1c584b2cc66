/** Where bytes come from and go to: a serial port, a pty in tests, or memory for the simulated keypad. */
export interface TransportHandlers {
  data(chunk: Buffer): void;
  /** The port went away (unplugged, pty removed, read error). */
  closed(reason: string): void;
}

export interface ByteTransport {
  readonly description: string;
  /** Rejects with a readable reason when the device is not there. */
  open(handlers: TransportHandlers): Promise<void>;
  write(data: Buffer): void;
  close(): Promise<void>;
}

/** Two transports wired to each other, delivering asynchronously like a real line. */
export function memoryTransportPair(): [ByteTransport, ByteTransport] {
  const ends: { handlers: TransportHandlers | null }[] = [{ handlers: null }, { handlers: null }];
  const make = (me: number): ByteTransport => ({
    description: `memory:${me}`,
    open(h) {
      ends[me] = { handlers: h };
      return Promise.resolve();
    },
    write(data) {
      const peer = ends[1 - me];
      const copy = Buffer.from(data);
      // Lost, as on a line, unless the other end is open when sent and still the same open end when they arrive.
      setImmediate(() => ends[1 - me] === peer && peer?.handlers?.data(copy));
    },
    close() {
      const peer = ends[1 - me];
      ends[me] = { handlers: null };
      peer?.handlers?.closed('peer closed');
      return Promise.resolve();
    },
  });
  return [make(0), make(1)];
}
