import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import pino from 'pino';
import type { Terminal } from '../../main/core/terminal.js';
import type { KeypadPort } from '../../main/core/ports.js';
import { terminalConfigSchema, type TerminalConfig } from '../../main/core/config.js';
import { identityProtector } from '../../main/runtime/identity.js';
import { createTerminal } from '../../main/runtime/terminal-factory.js';
import { MetaStore } from '../../main/store/meta.js';
import { auditLog } from '../../main/store/audit-log.js';
import { technicianLocks } from '../../main/store/technician-locks.js';
import { KeySealer, pinHasher } from '../../main/provisioning/secrets.js';
import { openDatabase } from '../../main/store/database.js';
import { offlineLink } from '../../sync/links.js';
import { BADGE, BADGE_2, SM2_KEYS, tempDir } from './fixtures.js';
import { FakeClock } from './fake-clock.js';

export const silentLog = pino({ level: 'silent' });

export { FakeClock };

export function testConfig(rating: Record<string, unknown> = {}): TerminalConfig {
  return terminalConfigSchema.parse({
    terminal: { hallName: '测试大厅', windowName: '12号窗口' },
    staff: [
      { staffId: 'SM0012', name: '张三', badgeIds: [BADGE] },
      { staffId: 'SM0013', name: '李四', badgeIds: [BADGE_2] },
    ],
    tags: {
      version: '3',
      byLevel: { '1': [{ code: '101', text: '办事效率低' }], '2': [{ code: '201', text: '等候时间长' }], '5': [{ code: '501', text: '好' }] },
    },
    questions: [{ id: 'guide', text: '服务指引是否清晰' }],
    rating,
  });
}

export const PINS = pinHasher(Buffer.alloc(32, 9));
const PIN_HASH = await PINS.hash('1234');
export const TECH_PIN = '135790';
export const TECH_BADGE = '0A0B0C0D0E';
const TECH_PIN_HASH = await PINS.hash(TECH_PIN);

export interface CoreFixture {
  terminal: Terminal;
  db: Database;
  dir: string;
  clock: FakeClock;
  reopen(config?: TerminalConfig): CoreFixture;
  cleanup(): void;
}

/** A real terminal on a real SQLite file in a temp directory, with a controllable clock. */
export function coreFixture(
  config: TerminalConfig = testConfig(),
  opts: { dir?: string; sm2?: boolean; keypad?: KeypadPort; clock?: FakeClock; channel?: '4' | '5' } = {},
): CoreFixture {
  const tmp = opts.dir ? { path: opts.dir, cleanup: () => undefined } : tempDir();
  const { db } = openDatabase(tmp.path);
  const clock = opts.clock ?? new FakeClock();
  const sealer = new KeySealer(Buffer.alloc(32, 7));
  const meta = new MetaStore(db);
  const terminal = createTerminal(db, meta, {
    clock,
    technician: { pinHash: TECH_PIN_HASH, badgeIds: [TECH_BADGE], locks: technicianLocks(meta) },
    audit: auditLog(db, () => clock.now()),
    identity: identityProtector(sealer, opts.sm2 === false ? undefined : SM2_KEYS.publicKey),
    links: {
      sessionLink: ({ sessionId }) =>
        Promise.resolve(offlineLink('https://p.example/m?t={terminalId}&s={sessionId}&sig={sig}', 'HMAC-SM3', 'secret', 'T-1', sessionId)),
    },
    where: { terminalId: 'T-350402-0001', areaCode: '350402', hallCode: 'H01', windowCode: 'A12' },
    config,
    staffPinHashes: { SM0012: PIN_HASH },
    verifyPin: (pin, hash) => PINS.verify(pin, hash),
    ...(opts.keypad ? { keypad: opts.keypad } : {}),
    ...(opts.channel ? { channel: opts.channel } : {}),
    log: silentLog,
  });
  const fixture: CoreFixture = {
    terminal,
    db,
    dir: tmp.path,
    clock,
    reopen(next = config) {
      terminal.close();
      db.close();
      return coreFixture(next, { ...opts, dir: tmp.path, clock });
    },
    cleanup() {
      terminal.close();
      if (db.open) db.close();
      tmp.cleanup();
    },
  };
  return fixture;
}

export function dbFile(dir: string): string {
  return join(dir, 'hcp-terminal.db');
}
