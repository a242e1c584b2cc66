import { execFileSync, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** An RGBA image, row by row (pngjs's layout). */
export interface Rgba {
  width: number;
  height: number;
  data: Buffer;
}

export interface XDisplay {
  /** For DISPLAY=. */
  name: string;
  /** What the screen shows now, as a person in front of it sees it (windows, bubbles, popups: everything). */
  screenshot(): Rgba;
  stop(): Promise<void>;
}

/**
 * Starts an Xvfb server on a display number it picks itself (`-displayfd`: no guessing which are free), for a real
 * browser window with everything the browser draws around and over the page.
 */
export function startXvfb(width = 1280, height = 800, timeoutMs = 20_000): Promise<XDisplay> {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${String(width)}x${String(height)}x24`, '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`${why}; is the xvfb package installed? stderr:\n${err}`));
    };
    const timer = setTimeout(() => fail(`Xvfb named no display within ${String(timeoutMs)} ms`), timeoutMs);
    proc.once('error', (e) => fail(`Xvfb did not start (${e.message})`));
    let out = '';
    (proc.stdio[3] as Readable).on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const name = `:${out.trim()}`;
      resolve({
        name,
        screenshot: () => decodeXwd(execFileSync('xwd', ['-root', '-silent', '-display', name], { maxBuffer: 64 << 20 })),
        stop: () => {
          proc.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

/**
 * Decodes what `xwd` writes (X Window Dump, file version 7): a big-endian header, the colormap, then the pixels as
 * a ZPixmap in the server's byte order. Only the true-colour 24/32-bit layout Xvfb gives at depth 24 is handled.
 */
export function decodeXwd(b: Buffer): Rgba {
  const field = (i: number) => b.readUInt32BE(i * 4);
  const [headerSize, version, format, width, height, byteOrder, bitsPerPixel, bytesPerLine] = [0, 1, 2, 4, 5, 7, 11, 12].map(field) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const masks = [field(14), field(15), field(16)];
  if (version !== 7 || format !== 2 || bitsPerPixel !== 32) {
    throw new Error(`unsupported XWD image (version ${String(version)}, format ${String(format)}, ${String(bitsPerPixel)} bits per pixel)`);
  }
  const start = headerSize + field(19) * 12;
  if (b.length < start + bytesPerLine * height) throw new Error('XWD image is truncated');
  const shifts = masks.map((m) => 31 - Math.clz32(m) - 7);
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = start + y * bytesPerLine + x * 4;
      const p = byteOrder === 0 ? b.readUInt32LE(at) : b.readUInt32BE(at);
      const o = (y * width + x) * 4;
      masks.forEach((m, c) => (data[o + c] = ((p & m) >>> 0) >>> (shifts[c] ?? 0)));
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
