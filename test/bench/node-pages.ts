import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';

const PAGE = 4096;
const PRESENT = 1n << 63n;
const MiB = 2 ** 20;

/**
 * Which of a Node process's own file pages are resident, and what they hold: the node executable's resident pages
 * (by `/proc/<pid>/pagemap`) attributed to its ELF sections and, within them, to the parts that matter for memory:
 * ICU's embedded data (by the items of its table of contents: `zh.res`, `coll/…`, converters), V8's embedded
 * builtins, and the code of V8's compilers, ICU, OpenSSL, SQLite and Node itself (by symbol name). Figures MiB.
 * For the bench's breakdown (docs/performance.md, "The terminal's memory in the kiosk, third pass").
 */
export interface NodePages {
  total: number;
  sections: Map<string, number>;
  code: Map<string, number>;
  icuItems: Map<string, number>;
}

interface Section {
  name: string;
  start: number;
  end: number;
}

interface Symbol {
  start: number;
  end: number;
  group: string;
}

interface ElfFacts {
  sections: Section[];
  symbols: Symbol[];
  icu: { start: number; items: { name: string; start: number; end: number }[] } | null;
}

const facts = new Map<string, ElfFacts>();

function codeGroup(name: string): string {
  if (name.startsWith('Builtins_') || name.startsWith('v8_Default_embedded_blob')) return 'V8 builtins (embedded)';
  if (/v8::internal::(compiler|maglev|wasm)|turboshaft/.test(name)) return 'V8 compilers (TurboFan, Maglev, Wasm)';
  if (name.startsWith('v8::') || name.includes('v8::internal')) return 'V8 runtime, parser, GC';
  if (/^(icu_\d+::|u[a-z]*_\w+_\d+$|U[A-Z]\w*_\d+)/.test(name) || name.includes('icu_')) return 'ICU code';
  if (
    /^(ossl_|OPENSSL|EVP_|BN_|bn_|SSL_|ssl|tls|X509|x509|ASN1|asn1|EC_|ec_|RSA_|rsa_|CRYPTO|crypto|sha|aes|AES|asm_|_avx|_ssse3|_shaext|ecp_|ChaCha|Poly|EVP|PEM|OBJ_|ERR_|BIO_|bio_|DH_|DSA_|provider|SM[234]|ossl)/.test(
      name,
    )
  )
    return 'OpenSSL';
  if (/^sqlite3|^node::sqlite/.test(name)) return 'SQLite (node:sqlite)';
  if (/^uv_|^uv__/.test(name)) return 'libuv';
  if (/^(node::|napi_|node_)/.test(name)) return 'Node';
  if (/^(nghttp|ada::|simdutf|simdjson|llhttp|brotli|Brotli|deflate|inflate|zlib|Z_|ncrypto|cares|ares_|uvwasi|nbytes|zstd|ZSTD)/i.test(name))
    return 'Node deps (ada, simdutf, llhttp, zlib, brotli, c-ares, http2, zstd)';
  return 'other code';
}

function elfFacts(exe: string): ElfFacts {
  const known = facts.get(exe);
  if (known) return known;
  const sections: Section[] = [];
  for (const line of spawnSync('readelf', ['-SW', exe], { encoding: 'utf8', maxBuffer: 1 << 24 }).stdout.split('\n')) {
    const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    const start = parseInt(m[2], 16);
    if (start === 0) continue;
    sections.push({ name: m[1], start, end: start + parseInt(m[3], 16) });
  }
  const symbols: Symbol[] = [];
  let icuSym: { start: number; size: number } | null = null;
  const nm = spawnSync('nm', ['-S', '-C', '--defined-only', exe], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
  for (const line of nm.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (\w) (.*)$/.exec(line);
    if (!m?.[1] || !m[2] || !m[4]) continue;
    const start = parseInt(m[1], 16);
    const size = parseInt(m[2], 16);
    if (/^icudt\d+_dat$/.test(m[4])) icuSym = { start, size };
    if (size > 0 && (m[3] === 't' || m[3] === 'T' || m[3] === 'W' || m[3] === 'w')) symbols.push({ start, end: start + size, group: codeGroup(m[4]) });
  }
  // The embedded builtins blob has no size in the symbol table: up to the next symbol that is not a builtin.
  for (const line of spawnSync('nm', ['--defined-only', exe], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.split('\n')) {
    const m = /^([0-9a-f]+) [tT] v8_Default_embedded_blob_code_$/.exec(line);
    if (m?.[1]) symbols.push({ start: parseInt(m[1], 16), end: parseInt(m[1], 16) + 1, group: 'V8 builtins (embedded)' });
  }
  symbols.sort((a, b) => a.start - b.start);
  let icu: ElfFacts['icu'] = null;
  if (icuSym) {
    // ICU's common data: a header (its size first), then a table of contents: a count and (name, data) offsets
    // relative to the table; items in offset order.
    const rodata = sections.find((s) => s.name === '.rodata');
    const fileOffset = (vaddr: number) => vaddr - (rodata?.start ?? 0) + fileOffsetOf(exe, '.rodata');
    const fd = openSync(exe, 'r');
    try {
      const head = Buffer.alloc(4);
      readSync(fd, head, 0, 4, fileOffset(icuSym.start));
      const headerSize = head.readUInt16LE(0);
      const tocAt = icuSym.start + headerSize;
      const countBuf = Buffer.alloc(4);
      readSync(fd, countBuf, 0, 4, fileOffset(tocAt));
      const count = countBuf.readUInt32LE(0);
      const toc = Buffer.alloc(count * 8);
      readSync(fd, toc, 0, toc.length, fileOffset(tocAt + 4));
      const names = Buffer.alloc(Math.min(1 << 20, icuSym.size - headerSize));
      readSync(fd, names, 0, names.length, fileOffset(tocAt));
      const items: { name: string; start: number; end: number }[] = [];
      for (let i = 0; i < count; i++) {
        const nameOff = toc.readUInt32LE(i * 8);
        const dataOff = toc.readUInt32LE(i * 8 + 4);
        const nameEnd = names.indexOf(0, nameOff);
        items.push({ name: names.toString('latin1', nameOff, nameEnd).replace(/^icudt\d+l\//, ''), start: tocAt + dataOff, end: 0 });
      }
      items.sort((a, b) => a.start - b.start);
      items.forEach((it, i) => (it.end = items[i + 1]?.start ?? icuSym.start + icuSym.size));
      icu = { start: icuSym.start, items };
    } finally {
      closeSync(fd);
    }
  }
  const f = { sections, symbols, icu };
  facts.set(exe, f);
  return f;
}

function fileOffsetOf(exe: string, section: string): number {
  for (const line of spawnSync('readelf', ['-SW', exe], { encoding: 'utf8' }).stdout.split('\n')) {
    const m = /\]\s+(\S+)\s+\S+\s+[0-9a-f]{16}\s+([0-9a-f]+)/.exec(line);
    if (m?.[1] === section && m[2]) return parseInt(m[2], 16);
  }
  throw new Error(`${section} not found in ${exe}`);
}

function find<T extends { start: number; end: number }>(xs: readonly T[], at: number): T | undefined {
  let lo = 0;
  let hi = xs.length - 1;
  let best: T | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = xs[mid];
    if (x === undefined) break;
    if (x.start <= at) {
      best = x;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** The node executable's resident pages in `pid` (root: pagemap), by section, code group and ICU item. */
export function nodePages(pid: number): NodePages {
  const exe = realpathSync(`/proc/${String(pid)}/exe`);
  const f = elfFacts(exe);
  const sections = new Map<string, number>();
  const code = new Map<string, number>();
  const icuItems = new Map<string, number>();
  let total = 0;
  const fd = openSync(`/proc/${String(pid)}/pagemap`, 'r');
  try {
    for (const line of readFileSync(`/proc/${String(pid)}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s+(.*)$/.exec(line);
      if (!m?.[1] || !m[2] || m[3] !== exe) continue;
      const start = parseInt(m[1], 16);
      const end = parseInt(m[2], 16);
      const pages = (end - start) / PAGE;
      const buf = Buffer.alloc(pages * 8);
      const read = readSync(fd, buf, 0, buf.length, (start / PAGE) * 8);
      for (let i = 0; i * 8 + 8 <= read; i++) {
        if ((buf.readBigUInt64LE(i * 8) & PRESENT) === 0n) continue;
        const at = start + i * PAGE;
        total += PAGE;
        const s = f.sections.find((x) => x.start < at + PAGE && x.end > at);
        const name = s?.name ?? '(between sections)';
        add(sections, name, PAGE);
        if (name === '.text') {
          const sym = find(f.symbols, at);
          add(code, sym?.group ?? 'other code', PAGE);
        }
        if (f.icu && at + PAGE > f.icu.start) {
          const item = find(f.icu.items, at);
          if (item && at < item.end + PAGE) {
            // Attribute the page to its item's folder (coll/, brkitr/, zone/ …) or the item itself.
            const key = item.name.includes('/') ? `${item.name.split('/')[0] ?? ''}/ ${item.name}` : item.name;
            add(icuItems, key, PAGE);
          }
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  const toMiB = (mm: Map<string, number>) => new Map([...mm].map(([k, v]) => [k, v / MiB] as const).sort((a, b) => b[1] - a[1]));
  return { total: total / MiB, sections: toMiB(sections), code: toMiB(code), icuItems: toMiB(icuItems) };
}

export function describeNodePages(p: NodePages, top = 12): string {
  const list = (m: Map<string, number>) =>
    [...m]
      .slice(0, top)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
  return `node's own pages ${p.total.toFixed(1)} MiB: sections ${list(p.sections)}; .text by part: ${list(p.code)}; ICU data items: ${list(p.icuItems)}`;
}
