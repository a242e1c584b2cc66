import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inProcessTerminal } from '../helpers/in-process.js';

const t = inProcessTerminal();

describe('voice clips', () => {
  it('come from a province’s voice pack in the data directory, file by file, and from nowhere else', async () => {
    const pack = join(t.dataDir, 'voice', 'zh-CN');
    mkdirSync(pack, { recursive: true });
    const recorded = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40, 7)]);
    writeFileSync(join(pack, 'thanks.wav'), recorded);
    writeFileSync(join(t.dataDir, 'secret.wav'), 'not a clip');
    const ui = t.host.uiUrl;
    const got = await fetch(new URL('voice/zh-CN/thanks.wav', ui));
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(recorded);
    for (const path of ['voice/zh-CN/..%2f..%2fsecret.wav', 'voice/..%2f..%2f/secret.wav', 'voice/zh-CN/welcome.mp3', 'voice/zh-CN/nothing-here.wav']) {
      expect((await fetch(new URL(path, ui))).status, path).toBe(404);
    }
  });
});

describe('a voice clip played again', () => {
  it('is revalidated: the same file is answered 304 without the clip, a clip copied over it is sent in full', async () => {
    const pack = join(t.dataDir, 'voice', 'zh-CN');
    mkdirSync(pack, { recursive: true });
    const first = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40, 1)]);
    writeFileSync(join(pack, 'welcome.wav'), first);
    const url = new URL('voice/zh-CN/welcome.wav', t.host.uiUrl);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-cache');
    const etag = got.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(Buffer.from(await got.arrayBuffer())).toEqual(first);

    const again = await fetch(url, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);

    // A technician copies a new pack in: the page's copy no longer matches, and the new clip is heard.
    const second = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(80, 2)]);
    writeFileSync(join(pack, 'welcome.wav'), second);
    const changed = await fetch(url, { headers: { 'if-none-match': etag ?? '' } });
    expect(changed.status).toBe(200);
    expect(Buffer.from(await changed.arrayBuffer())).toEqual(second);
  });
});
