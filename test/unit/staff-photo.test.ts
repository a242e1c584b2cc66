import { describe, expect, it } from 'vitest';
import { parseProvinceConfig } from '../../main/core/config.js';
import { MAX_PHOTO_BYTES, photoProblem } from '../../main/core/photo.js';
import { provisioningFile } from '../helpers/fixtures.js';
import { provisioningRefusal } from '../helpers/in-process.js';

/** A real 1×1 PNG. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** A JPEG's first segments: SOI, an APP0 (JFIF), then the baseline frame header with its size, padded to `bytes`. */
function jpeg(width: number, height: number, bytes = 64): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const head = Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length))]);
}

const url = (type: string, b: Buffer | string) => `data:image/${type};base64,${typeof b === 'string' ? b : b.toString('base64')}`;

function withPhoto(photo: string): Record<string, unknown> {
  const file = provisioningFile();
  const offline = file['offlineConfig'] as { staff: Record<string, unknown>[] };
  return { ...file, offlineConfig: { ...offline, staff: offline.staff.map((s, i) => (i === 0 ? { ...s, photo } : s)) } };
}

describe('staff photos are checked by decoding (issue 25, item 6)', () => {
  it('accepts a real PNG and a portrait JPEG', () => {
    expect(photoProblem(url('png', PNG_1X1))).toBeNull();
    expect(photoProblem(url('jpeg', jpeg(300, 400, 40_000)))).toBeNull();
    expect(provisioningRefusal(withPhoto(url('jpeg', jpeg(300, 400))))).toBe('accepted');
  });

  it('refuses in a provisioning file bytes that are not the image they claim, and says why', () => {
    let seed = 25;
    const junk = Buffer.from(Array.from({ length: 2000 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff));
    expect(provisioningRefusal(withPhoto(url('png', junk)))).toContain('not a PNG image');
    expect(provisioningRefusal(withPhoto(url('jpeg', Buffer.from(PNG_1X1, 'base64'))))).toContain('not a JPEG image');
    expect(provisioningRefusal(withPhoto('data:image/png;base64,not base64!'))).toContain('data: URL');
  });

  it(`refuses a photo over ${String(MAX_PHOTO_BYTES / 1024)} KiB or over 2048 px a side`, () => {
    expect(provisioningRefusal(withPhoto(url('jpeg', jpeg(300, 400, MAX_PHOTO_BYTES + 1))))).toContain('at most 256 KiB');
    expect(provisioningRefusal(withPhoto(url('jpeg', jpeg(300, 400, 16 * 1024 * 1024))))).toContain('at most 256 KiB');
    expect(provisioningRefusal(withPhoto(url('jpeg', jpeg(4000, 3000))))).toContain('2048×2048');
  });

  it('drops only the bad photo from the province’s config: the staff member stays, without a picture', () => {
    const parsed = parseProvinceConfig({
      staff: [
        { staffId: 'SM0012', name: '张三', badgeIds: ['0A1B2C3D4E'], photo: url('jpeg', jpeg(300, 400, MAX_PHOTO_BYTES * 2)) },
        { staffId: 'SM0013', name: '李四', photo: url('png', PNG_1X1) },
      ],
    });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.staff.map((s) => [s.staffId, s.photo === undefined])).toEqual([
      ['SM0012', true],
      ['SM0013', false],
    ]);
  });
});
