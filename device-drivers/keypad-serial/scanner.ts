import { crc16 } from './codec.js';
import { HEADER_BYTES, INTER_BYTE_TIMEOUT_MS, MAX_PAYLOAD, SOF, type Frame } from './protocol.js';

export interface ScanStats {
  frames: number;
  /** Frames dropped for a bad CRC or an oversized LEN. */
  badFrames: number;
  /** Partial frames dropped by the inter-byte timeout. */
  timeouts: number;
  /** Bytes skipped while looking for SOF. */
  noiseBytes: number;
}

/**
 * Finds frames in a byte stream as the spec's "Receiving" rules say: scan for SOF; LEN > 64 or a bad CRC drops
 * only that SOF byte (the real frame may start inside the bad one); a gap of more than 50 ms inside a frame drops
 * the partial frame, after rescuing any complete frame inside it. Pure: the caller passes the arrival time.
 */
export class FrameScanner {
  private buf: Buffer = Buffer.alloc(0);
  private lastAt = Number.NEGATIVE_INFINITY;
  readonly stats: ScanStats = { frames: 0, badFrames: 0, timeouts: 0, noiseBytes: 0 };

  constructor(private readonly timeoutMs = INTER_BYTE_TIMEOUT_MS) {}

  push(chunk: Uint8Array, now: number): Frame[] {
    const frames: Frame[] = [];
    if (this.buf.length > 0 && now - this.lastAt > this.timeoutMs) {
      // The partial frame went stale. Drop it, but first rescan its bytes: a complete frame that arrived
      // inside it (after a corrupted header claimed a long LEN) is still a frame. Nothing joins across the gap.
      this.stats.timeouts++;
      this.scan(frames, true);
      this.buf = Buffer.alloc(0);
    }
    this.lastAt = now;
    if (chunk.length) this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    this.scan(frames, false);
    // Keep the tail in a buffer of its own so a long-lived scanner does not pin large chunks.
    if (this.buf.length) this.buf = Buffer.from(this.buf);
    return frames;
  }

  /** Applies the inter-byte timeout when the line has gone quiet (call it from a timer). */
  flush(now: number): Frame[] {
    return this.push(new Uint8Array(0), now);
  }

  /** `stale`: no more bytes will join these, so an incomplete frame is dropped like a bad one. */
  private scan(frames: Frame[], stale: boolean): void {
    for (;;) {
      const start = this.buf.indexOf(SOF);
      if (start < 0) {
        this.stats.noiseBytes += this.buf.length;
        this.buf = Buffer.alloc(0);
        return;
      }
      if (start > 0) {
        this.stats.noiseBytes += start;
        this.buf = this.buf.subarray(start);
      }
      const len = this.buf.length >= HEADER_BYTES ? (this.buf[4] ?? 0) : 0;
      if (this.buf.length >= HEADER_BYTES && len > MAX_PAYLOAD) {
        this.dropSof();
        continue;
      }
      const total = HEADER_BYTES + len + 2;
      if (this.buf.length < HEADER_BYTES || this.buf.length < total) {
        if (!stale) return;
        this.dropSof();
        continue;
      }
      const expected = this.buf.readUInt16BE(HEADER_BYTES + len);
      if (crc16(this.buf.subarray(1, HEADER_BYTES + len)) !== expected) {
        this.dropSof();
        continue;
      }
      frames.push({
        addr: this.buf[1] ?? 0,
        seq: this.buf[2] ?? 0,
        cmd: this.buf[3] ?? 0,
        payload: Buffer.from(this.buf.subarray(HEADER_BYTES, HEADER_BYTES + len)),
      });
      this.stats.frames++;
      this.buf = this.buf.subarray(total);
    }
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  private dropSof(): void {
    this.stats.badFrames++;
    this.buf = this.buf.subarray(1);
  }
}
