import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../main/runtime/runtime.js';
import { DB_FILE, openDatabase } from '../../main/store/database.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { newRecord, tempDir } from '../helpers/fixtures.js';

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
