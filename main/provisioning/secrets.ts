import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Seals secrets at rest. Electron uses the OS keychain through `safeStorage` (asynchronous); headless terminals,
 * and Electron where the keychain is absent or only `basic_text`, a key file only their user can read.
 */
export interface SecretSealer {
  seal(plain: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

/**
 * Seals with `primary`, opens what either sealed: a terminal provisioned headless (key file) and then run under
 * Electron (safeStorage) keeps working, and its secrets move to safeStorage as they are sealed again.
 */
export function layeredSealer(primary: SecretSealer, fallback: SecretSealer | null): SecretSealer {
  return {
    seal: (plain) => primary.seal(plain),
    async open(sealed) {
      try {
        return await primary.open(sealed);
      } catch (err) {
        if (!fallback) throw err;
        return fallback.open(sealed);
      }
    },
  };
}

/** AES-256-GCM under a 32-byte key; output `v1:` + base64(iv ‖ tag ‖ ciphertext). */
export class KeySealer implements SecretSealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('sealing key must be 32 bytes');
  }

  seal(plain: string): Promise<string> {
    return Promise.resolve(this.sealSync(plain));
  }

  open(sealed: string): Promise<string> {
    try {
      return Promise.resolve(this.openSync(sealed));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** For the hot path (an evaluator's name per rating) and the uploader: no keychain round trip. */
  sealSync(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return 'v1:' + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
  }

  openSync(sealed: string): string {
    if (!sealed.startsWith('v1:')) throw new Error('not a sealed value');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}

/**
 * The key file lives outside the data directory (a copied data directory does not carry its key):
 * `$HCP_KEY_DIR` or `~/.config/hcp-terminal/keys`, one file per data directory, mode 0600.
 */
export function keyFilePath(dataDir: string): string {
  const dir = process.env['HCP_KEY_DIR'] ?? join(homedir(), '.config', 'hcp-terminal', 'keys');
  const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  return join(dir, `${id}.key`);
}

export function loadKeyFile(dataDir: string, create: boolean): Buffer | null {
  const path = keyFilePath(dataDir);
  if (existsSync(path)) {
    // A key file others could read is no key at all: take it back to the owner, and its folder.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    if ((statSync(dirname(path)).mode & 0o077) !== 0) chmodSync(dirname(path), 0o700);
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  }
  if (!create) return null;
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return key;
}

// scrypt at N=2^15 takes ~100 ms here: slow enough against guessing, fast enough for a PIN pad. It runs on libuv's
// thread pool, so a PIN check never freezes the screen.
const N = 1 << 15;
const R = 8;
const P = 1;
const MAXMEM = 64 * 1024 * 1024;

function scryptAsync(password: Buffer | string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Hashes and checks PINs (technician, staff). */
export interface PinHasher {
  hash(pin: string): Promise<string>;
  verify(pin: string, stored: string): Promise<boolean>;
}

/**
 * scrypt over HMAC(pepper, PIN): the pepper is a random key kept sealed apart from the hashes, so a copied database
 * alone does not let 10^4 PINs be tried offline. Hashes from before the pepper (`scrypt$`) still verify.
 */
export function pinHasher(pepper: Buffer): PinHasher {
  const peppered = (pin: string) => createHmac('sha256', pepper).update(pin).digest();
  return {
    async hash(pin) {
      const salt = randomBytes(16);
      const hash = await scryptAsync(peppered(pin), salt, 32, { N, r: R, p: P, maxmem: MAXMEM });
      return `scrypt2$${String(N)}$${String(R)}$${String(P)}$${salt.toString('base64')}$${hash.toString('base64')}`;
    },
    async verify(pin, stored) {
      const [alg, n, r, p, salt, hash] = stored.split('$');
      if ((alg !== 'scrypt2' && alg !== 'scrypt') || !n || !r || !p || !salt || !hash) return false;
      const expected = Buffer.from(hash, 'base64');
      if (expected.length !== 32) return false;
      const password = alg === 'scrypt2' ? peppered(pin) : pin;
      try {
        const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM });
        return timingSafeEqual(actual, expected);
      } catch {
        return false;
      }
    },
  };
}

export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
