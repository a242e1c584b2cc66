import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fixtures.js';

// The CLI bundle as the terminal loads it (scripts/bundle-cli.mjs, over tsc's output in dist/: `npm run build` first).
// V8 keeps each loaded module's source for the life of `serve`, two bytes a character once one character is past
// U+00FF: the bundle's shape is the terminal's memory (docs/performance.md, "The terminal's memory in the kiosk, third
// pass").
describe('the CLI bundle', () => {
  const out = tempDir('hcp-bundle-');
  let chunks: { name: string; text: string }[] = [];

  beforeAll(async () => {
    // @ts-expect-error: a plain .mjs build script without types
    const script = (await import('../../scripts/bundle-cli.mjs')) as { bundleCli: (o: { outDir: string }) => Promise<void> };
    await script.bundleCli({ outDir: out.path });
    chunks = readdirSync(out.path)
      .filter((f) => f.endsWith('.js'))
      .map((name) => ({ name, text: readFileSync(join(out.path, name), 'utf8') }));
  }, 60_000);
  afterAll(() => out.cleanup());

  it('is kept by V8 at one byte a character: no character past Latin-1 in any chunk (Chinese escaped as \\uXXXX)', () => {
    expect(chunks.length).toBeGreaterThan(3);
    const wide = chunks.filter((c) => /[\u0100-\u{10ffff}]/u.test(c.text)).map((c) => `${c.name}: ${/.{0,40}[\u0100-\u{10ffff}]/u.exec(c.text)?.[0] ?? ''}`);
    expect(wide).toEqual([]);
  });

  it('carries no indentation and no comments but the licences’', () => {
    const indented = chunks.filter((c) => /^\t/m.test(c.text)).map((c) => c.name);
    expect(indented).toEqual([]);
    const all = chunks.map((c) => c.text).join('\n');
    // Each package's licence line stays with its code.
    expect(all).toMatch(/\/\*! safe-buffer\. MIT License/);
    // tsc keeps the project's own doc comments; the bundle does not.
    expect(all).not.toContain('/** The CAs a province certificate may chain to');
  });

  it('still maps a stack frame to the TypeScript source and line (the logs name main/…/x.ts)', () => {
    const chunk = chunks.find((c) => c.text.includes('function createTransport('));
    expect(chunk).toBeDefined();
    const lines = (chunk?.text ?? '').split('\n');
    const line = lines.findIndex((l) => l.includes('function createTransport('));
    const column = lines[line]?.indexOf('function createTransport(') ?? -1;
    const map = new SourceMap(JSON.parse(readFileSync(join(out.path, `${chunk?.name ?? ''}.map`), 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    const entry = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
    expect(entry.originalSource).toMatch(/sync\/net\/transport\.ts$/);
    const source = readFileSync(new URL('../../sync/net/transport.ts', import.meta.url), 'utf8').split('\n');
    expect(source[entry.originalLine ?? -1]).toContain('export function createTransport(');
  });
});
