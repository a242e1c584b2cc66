#!/usr/bin/env node
// Makes the voice clips under renderer/public/voice/<locale>/ from the locale files' own wording, with Debian's
// espeak-ng (Mandarin "cmn", English "en-us") and sox (11 kHz, 8-bit mono WAV: small, and Chromium plays it).
// Run again after changing the words: `sudo apt-get install espeak-ng sox && node scripts/make-voice.mjs`.
// A province's recorded voice pack replaces them: the same file names under DATA_DIR/voice/<locale>/ (docs/voice.md).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const VOICES = { 'zh-CN': 'cmn', en: 'en-us' };
const tmp = mkdtempSync(join(tmpdir(), 'hcp-voice-'));
try {
  for (const [locale, voice] of Object.entries(VOICES)) {
    const words = JSON.parse(readFileSync(join(root, 'renderer/src/locales', `${locale}.json`), 'utf8'));
    const clips = {
      welcome: words.serving.welcome,
      'please-rate': words.inviting.title,
      thanks: words.thanks.title,
      paused: words.paused.title,
    };
    for (const scale of ['manyi', 'haocha']) for (const level of [1, 2, 3, 4, 5]) clips[`level-${scale}-${level}`] = words.levels[scale][level];
    const dir = join(root, 'renderer/public/voice', locale);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(clips)) {
      const raw = join(tmp, `${name}.wav`);
      execFileSync('espeak-ng', ['-v', voice, '-s', '140', '-w', raw, text]);
      execFileSync('sox', [raw, '-r', '11025', '-c', '1', '-b', '8', '-e', 'unsigned-integer', join(dir, `${name}.wav`)]);
    }
    console.log(`${locale}: ${Object.keys(clips).length} clips in renderer/public/voice/${locale}/`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
