#!/usr/bin/env node
// Makes renderer/src/locales/zh-TW.json from zh-CN.json with OpenCC (Simplified → Traditional, Taiwan phrases).
// Machine conversion: a native speaker reviews it before a deployment relies on it (docs/languages.md).
// `--check` exits 1 when the committed file is not what the conversion gives (npm test runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import * as OpenCC from 'opencc-js';

const dir = new URL('../renderer/src/locales/', import.meta.url);
const convert = OpenCC.Converter({ from: 'cn', to: 'twp' });
const source = JSON.parse(readFileSync(new URL('zh-CN.json', dir), 'utf8'));
const walk = (v) => (typeof v === 'string' ? convert(v) : Array.isArray(v) ? v.map(walk) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])));
const out = walk(source);
// The language's own name and the review note are not conversions.
out.language = { ...out.language, name: '繁體中文', review: 'machine-converted with OpenCC from zh-CN; needs a native speaker’s review' };
const text = JSON.stringify(out, null, 2) + '\n';
const target = new URL('zh-TW.json', dir);
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error('renderer/src/locales/zh-TW.json is out of date: run `node scripts/locale-zh-tw.mjs`');
    process.exit(1);
  }
  console.log('zh-TW.json matches its conversion from zh-CN.json');
} else {
  writeFileSync(target, text);
  console.log('wrote renderer/src/locales/zh-TW.json');
}
