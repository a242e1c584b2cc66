import iconv from 'iconv-lite';

/**
 * Text for a GB2312 LCD, cut to `maxBytes` without splitting a two-byte character.
 * Characters outside GB2312 become "?" (iconv's replacement), never garbage on the display.
 */
export function encodeGb2312(text: string, maxBytes: number): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (const ch of text) {
    const b = iconv.encode(ch, 'gb2312');
    if (size + b.length > maxBytes) break;
    out.push(b);
    size += b.length;
  }
  return Buffer.concat(out);
}

export function decodeGb2312(bytes: Buffer): string {
  return iconv.decode(bytes, 'gb2312');
}

/**
 * iconv builds its GB2312 tables on the first text it encodes (30–40 ms of CPU here): done at start, not when the
 * keypad's screen first shows Thanks under a citizen's finger.
 */
export function warmGb2312(): void {
  iconv.getCodec('gb2312');
}
