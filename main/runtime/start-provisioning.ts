import type { Database } from 'better-sqlite3';
import { DEMO_SM2_PUBLIC_KEY } from '../../sync/province-sim/demo-keys.js';
import type { Dialect } from '../../sync/province/adapter.js';
import type { Log } from '../log/logger.js';
import { refusalLine, unsentDependencyRefusals } from './identity-change.js';
import { loadProvisioning, ProvisioningError, prepareProvisioning, restorePreviousProvisioning, storeProvisioning } from '../provisioning/apply.js';
import { demoProvisioning, type DemoSurface } from '../provisioning/demo.js';
import type { ProvisioningFile } from '../provisioning/schema.js';
import type { PinHasher, SecretSealer } from '../provisioning/secrets.js';
import type { MetaStore } from '../store/meta.js';
import { auditLog } from '../store/audit-log.js';
import { describeChanges, formFromFile, formFromStored } from '../provisioning/form.js';
import { appliedUnchanged, recordApplied } from '../provisioning/file-fingerprint.js';

/**
 * Which provisioning a start runs under, settled before anything is built on it: the one from before a technician's
 * failed change put back, the provisioning file applied (or found unchanged), a demo provisioned anew. Kept apart
 * from the composition root, which then only reads what is stored.
 */

export interface StartProvisioningOptions {
  database: Database;
  meta: MetaStore;
  sealer: SecretSealer;
  pins: PinHasher;
  /** A provisioning file already read and validated. */
  file: ProvisioningFile | null;
  demo?: boolean | undefined;
  demoDialect?: Dialect | undefined;
  demoSurface?: DemoSurface | undefined;
  rollbackProvisioning?: boolean | undefined;
  log: Log;
  /** The applied file's fingerprint, written once its scrypt is done: the caller awaits it before the database closes. */
  fingerprinting: (written: Promise<void>) => void;
}

/** Applies what this start is asked to; says whether a new demo was provisioned (it opens on the Serving screen). */
export async function provisionAtStart(opts: StartProvisioningOptions): Promise<{ freshDemo: boolean }> {
  const { database, meta, sealer, pins, file } = opts;
  const apply = async (f: ProvisioningFile, demo: boolean) => {
    const before = loadProvisioning(meta);
    // Applying the same file at every start changes nothing and says nothing; a real change is audited.
    const changes = describeChanges(before ? formFromStored(before) : {}, formFromFile(f));
    const refusal = refusalLine(unsentDependencyRefusals(database, changes)); // a new id, key or dialect would strand unsent records
    if (refusal) throw new ProvisioningError(refusal);
    const stored = await prepareProvisioning(meta, sealer, pins, f, { demo });
    database.transaction(() => {
      storeProvisioning(meta, stored, f);
      if (changes.length > 0) auditLog(database, Date.now).record({ actor: 'technician', action: 'provisioning.apply', detail: { source: 'file', changes } });
    })();
  };
  if (opts.rollbackProvisioning && database.transaction(() => restorePreviousProvisioning(meta))()) {
    opts.log.error({}, 'the terminal did not start with the technician’s change; the provisioning from before it is back');
    auditLog(database, Date.now).record({ actor: 'system', action: 'provisioning.rollback', detail: {} });
  }
  // The same file at every start (a fleet image) is checked with one scrypt instead of applied again (file-fingerprint.ts).
  if (file && !(await appliedUnchanged(meta, pins, file))) {
    await apply(file, false);
    opts.log.info({ terminalId: file.terminal.terminalId }, 'provisioning applied');
    opts.fingerprinting(
      recordApplied(meta, pins, file).catch((err: unknown) => opts.log.warn({ err }, 'the provisioning file’s fingerprint was not recorded')),
    );
  }
  const stored = loadProvisioning(meta);
  const demoDialect = opts.demoDialect ?? 'hcp-json';
  // A demo asked for in the other dialect is provisioned anew (a demo's data is only ever the demo's).
  const demoSurface = opts.demoSurface ?? 'terminal';
  const storedSurface = stored?.province.page ? 'province-page' : 'terminal';
  const freshDemo = !file && opts.demo === true && (!stored || (stored.demo && (stored.province.dialect !== demoDialect || storedSurface !== demoSurface)));
  if (freshDemo) {
    // The stored address is a placeholder: a demo's province is the simulator started below on a port of its own.
    const demo = demoProvisioning(
      'http://127.0.0.1:8721',
      demoDialect === 'gov-form' ? { dialect: 'gov-form', sm2PublicKey: DEMO_SM2_PUBLIC_KEY } : undefined,
      { surface: demoSurface },
    );
    await apply(demo, true);
    opts.log.info({ terminalId: demo.terminal.terminalId }, 'demo terminal provisioned');
  }
  return { freshDemo };
}
