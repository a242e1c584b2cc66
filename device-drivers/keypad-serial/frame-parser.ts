import { Transform, type TransformCallback } from 'node:stream';
import { FrameScanner } from './scanner.js';
import { INTER_BYTE_TIMEOUT_MS } from './protocol.js';

export interface FrameParserOptions {
  /** Inter-byte timeout in ms that drops a partial frame. Default 50 (the spec's value). */
  interByteTimeoutMs?: number;
  /** Clock for arrival times. Default `Date.now`. */
  now?: () => number;
}

/**
 * A serialport-style parser: bytes in, `Frame` objects out (object mode). Pipe a port into it:
 * `port.pipe(new KeypadFrameParser())`. It never throws on bad input; `scanner.stats` counts what it dropped.
 */
export class KeypadFrameParser extends Transform {
  readonly scanner: FrameScanner;
  private readonly now: () => number;

  constructor(opts: FrameParserOptions = {}) {
    super({ readableObjectMode: true });
    const timeout = opts.interByteTimeoutMs ?? INTER_BYTE_TIMEOUT_MS;
    if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('interByteTimeoutMs must be a positive number');
    this.scanner = new FrameScanner(timeout);
    this.now = opts.now ?? Date.now;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    for (const frame of this.scanner.push(chunk, this.now())) this.push(frame);
    done();
  }
}
