import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandError } from '../../main/core/errors.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { DB_FILE, openDatabase } from '../../main/store/database.js';
import { chainHash } from '../../sync/chain.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { damagePage } from '../helpers/damage.js';
import { BADGE, newRecord, tempDir, writeProvisioning } from '../helpers/fixtures.js';

// Issue 15: salvage said "readable rows salvaged" and kept 0 of 2,000 rows. It now keeps what it can read; what it
// kept and lost must also be said where a technician looks: the log (exported from 诊断) and the audit log.
const dirs: { cleanup: () => void }[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function scratch(prefix?: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d.path;
}

/** A logger whose lines the test can read, as the terminal's log file would hold them. */
function capturingLog(): { log: pino.Logger; lines: () => { level: number; msg: string }[] } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    log: pino({ level: 'info' }, sink),
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}

describe('a salvaged database says what it kept and lost (issue 15)', () => {
  it('names the outbox’s kept and lost rows in the log line and the audit log at the start that salvaged it', async () => {
    process.env['HCP_KEY_DIR'] ??= scratch('hcp-keys-');
    const dataDir = scratch();
    const { db } = openDatabase(dataDir);
    const outbox = new Outbox(db);
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) outbox.append(newRecord(), { held: false });
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const leaves = db.prepare(`SELECT pageno, ncell FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf' ORDER BY pageno`).all() as {
      pageno: number;
      ncell: number;
    }[];
    db.close();
    // One torn leaf in the middle of the outbox.
    const victim = leaves[Math.floor(leaves.length / 2)] as { pageno: number; ncell: number };
    const path = join(dataDir, DB_FILE);
    const buf = readFileSync(path);
    buf.fill(0x5a, (victim.pageno - 1) * pageSize, victim.pageno * pageSize);
    writeFileSync(path, buf);

    const { log, lines } = capturingLog();
    const rt = await startRuntime({ log, dataDir, usbRoots: [] });
    runtimes.push(rt);
    expect(rt.databaseRecovered).toBe(true);
    const kept = 2_000 - victim.ncell;
    const said = lines().filter((l) => l.msg.includes('failed its integrity check'));
    expect(said).toHaveLength(1);
    expect(said[0]?.level).toBe(50);
    expect(said[0]?.msg).toContain(`outbox: ${String(kept)} kept, ${String(victim.ncell)} lost`);
    expect(said[0]?.msg).not.toContain('no row lost');

    const audited = rt.db.prepare(`SELECT actor, detail FROM audit_log WHERE action = 'database.salvage'`).all() as { actor: string; detail: string }[];
    expect(audited).toHaveLength(1);
    expect(audited[0]?.actor).toBe('system');
    const detail = JSON.parse(audited[0]?.detail ?? '{}') as { movedTo: string; tables: { table: string; kept: number; lost: number }[] };
    expect(detail.movedTo).toMatch(/hcp-terminal\.db\.corrupt-\d+$/);
    expect(detail.tables.find((t) => t.table === 'outbox')).toMatchObject({ kept, lost: victim.ncell });
  });
});

/** A data directory whose outbox holds records 1..n, appended as the terminal appends them. */
function queueOf(n: number): { dataDir: string; last: { seq: number; chainHash: string } } {
  process.env['HCP_KEY_DIR'] ??= scratch('hcp-keys-');
  const dataDir = scratch();
  const { db } = openDatabase(dataDir);
  const outbox = new Outbox(db);
  db.transaction(() => {
    for (let i = 0; i < n; i++) outbox.append(newRecord(), { held: false });
  })();
  const last = outbox.head();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { dataDir, last };
}

const appendOne = (rt: Runtime) => rt.db.transaction(() => new Outbox(rt.db).append(newRecord(), { held: false }))();

describe('the queue’s head after a salvage (issue 24)', () => {
  it('is rebuilt from the highest record when its own page was the damaged one, and the log and audit log say so', async () => {
    const { dataDir, last } = queueOf(300);
    const path = join(dataDir, DB_FILE);
    const raw = new Database(path, { readonly: true });
    const root = (raw.prepare(`SELECT rootpage FROM sqlite_schema WHERE name = 'outbox_head'`).get() as { rootpage: number }).rootpage;
    raw.close();
    damagePage(path, root);

    const { log, lines } = capturingLog();
    const rt = await startRuntime({ log, dataDir, usbRoots: [] });
    runtimes.push(rt);
    expect(rt.databaseRecovered).toBe(true);
    const said = lines().find((l) => l.msg.includes('failed its integrity check'));
    expect(said?.msg).toContain('outbox: 300 kept, 0 lost');
    expect(said?.msg).toContain('the queue’s head rebuilt from record 300 (it said 0)');
    const audited = rt.db.prepare(`SELECT detail FROM audit_log WHERE action = 'database.salvage'`).get() as { detail: string };
    expect(JSON.parse(audited.detail)).toMatchObject({ rebuilt: { head: { was: 0, now: 300 } } });
    const next = appendOne(rt);
    expect(next.seq).toBe(301);
    expect(next.chainHash).toBe(chainHash(last.chainHash, next));
  });

  it('is set right at the next start where an older release’s salvage left it behind its records', async () => {
    const { dataDir, last } = queueOf(40);
    // What the landed salvage left: every record, and no head (the next seq was 1 again).
    const raw = new Database(join(dataDir, DB_FILE));
    raw.exec('DELETE FROM outbox_head');
    raw.close();

    const { log, lines } = capturingLog();
    const rt = await startRuntime({ log, dataDir, usbRoots: [] });
    runtimes.push(rt);
    expect(rt.databaseRecovered).toBe(false);
    const said = lines().filter((l) => l.msg.includes('head rebuilt'));
    expect(said).toHaveLength(1);
    expect(said[0]?.level).toBe(50);
    expect(said[0]?.msg).toContain('the queue’s head rebuilt from record 40 (it said 0)');
    expect(rt.db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'database.repair'`).get()).toEqual({ n: 1 });
    const next = appendOne(rt);
    expect(next.seq).toBe(41);
    expect(next.chainHash).toBe(chainHash(last.chainHash, next));
  });

  it('a database that still refuses every record says so loudly and opens no invitation, instead of failing each rating', async () => {
    const { dataDir } = queueOf(5);
    // Damage nobody foresaw, standing for any: the queue refuses every new record.
    const raw = new Database(join(dataDir, DB_FILE));
    raw.exec(`CREATE TRIGGER refuse_all BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'the queue refuses every record'); END`);
    raw.close();

    const { log, lines } = capturingLog();
    const rt = await startRuntime({ log, dataDir, usbRoots: [], provisioningFile: readProvisioningFile(writeProvisioning(dataDir)), backgroundLater: true });
    runtimes.push(rt);
    const fatal = lines().filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toContain('the database cannot store a rating (the queue refuses every record)');
    expect(rt.db.prepare(`SELECT detail FROM audit_log WHERE action = 'database.unstorable'`).get()).toEqual({
      detail: JSON.stringify({ reason: 'the queue refuses every record' }),
    });
    expect(rt.terminal.status().storage).toMatchObject({ ok: false, message: expect.stringContaining('the queue refuses every record') as unknown });
    rt.terminal.loginByBadge(BADGE);
    const refused = await rt.terminal.openSession({}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CommandError);
    expect(refused).toMatchObject({ code: 'STORAGE_FAILED', message: expect.stringContaining('cannot store a rating') as unknown });
    // The probe left nothing behind: the queue is as it was.
    expect(new Outbox(rt.db).head().seq).toBe(5);
    expect(new Outbox(rt.db).list()).toHaveLength(5);
  });
});
