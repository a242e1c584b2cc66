import { SerialPort } from 'serialport';
import type { ByteTransport, TransportHandlers } from './transport.js';

/** A serial port (RS-232/485, USB-serial, or a pty) as a ByteTransport, 8N1. */
export class SerialTransport implements ByteTransport {
  private port: SerialPort | null = null;

  constructor(
    readonly path: string,
    readonly baudRate: number,
  ) {}

  get description(): string {
    return `serial:${this.path}@${this.baudRate}`;
  }

  open(h: TransportHandlers): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate: this.baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
      port.open((err) => {
        if (err) {
          reject(new Error(`cannot open ${this.path}: ${err.message}`));
          return;
        }
        this.port = port;
        let closed = false;
        const gone = (reason: string) => {
          if (closed) return;
          closed = true;
          if (this.port === port) this.port = null;
          if (port.isOpen) port.close(() => undefined);
          h.closed(reason);
        };
        port.on('data', (chunk: Buffer) => h.data(chunk));
        port.on('close', () => gone('port closed'));
        port.on('error', (e: Error) => gone(e.message));
        resolve();
      });
    });
  }

  write(data: Buffer): void {
    // A write to a vanished port fails in its callback; the close/error event takes care of reconnecting.
    this.port?.write(data, () => undefined);
  }

  close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
