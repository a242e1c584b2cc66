import type { Database } from 'better-sqlite3';
import { BundleQueue } from '../../sync/relay/bundle-queue.js';
import type { FormBase } from '../provisioning/form.js';
import { provinceAppId } from '../provisioning/province-schema.js';
import type { StoredProvisioning } from '../provisioning/schema.js';
import type { auditLog } from '../store/audit-log.js';
import { readUsbFile } from './usb-walk.js';
import { MAX_BUNDLE_BYTES } from '../../sync/export-bundle.js';
import { fail, type Outcome, type Say } from './workbench-outcome.js';

export interface RelayActionDeps {
  usbRoots: readonly string[];
  db: Database;
  provisioning: StoredProvisioning | null;
  base: FormBase | null;
  audit: ReturnType<typeof auditLog>;
  /** Wakes the uploader for a relayed bundle. */
  notifySync: () => void;
  now: () => number;
}

/**
 * What a technician does with other terminals' bundles (offline relay): takes one off a USB drive into the relay queue,
 * and sends a dead one again or sets it aside from diagnostics. Apart from the workbench because it is the one job
 * that works on the relay queue; `said` is the workbench's, which puts the outcome on screen.
 */
export function importRelayBundle(d: RelayActionDeps, path: string, said: Say): Outcome {
  // Confined to the drive (readUsbFile: no links, real path inside, size cap, BOM dropped), then judged as a bundle.
  let text: string;
  try {
    text = readUsbFile(d.usbRoots, path, MAX_BUNDLE_BYTES);
  } catch (err) {
    return said(fail('USB_READ', err instanceof Error ? err.message : String(err)));
  }
  const p = d.provisioning;
  const appSecret = d.base?.appSecret;
  const r = new BundleQueue(d.db, d.now).add(text, {
    terminalId: p?.terminal.terminalId ?? null,
    secretOf: (appKey) => (p && appSecret !== undefined && appKey === provinceAppId(p.province) ? appSecret : null),
    dialect: p?.province.dialect ?? null,
    ownAppKey: p ? provinceAppId(p.province) : null,
  });
  if (!r.ok) {
    d.audit.record({ actor: 'technician', action: 'relay.import-refused', detail: { file: path, reason: r.error } });
    return said(fail('INVALID_BUNDLE', `${path} cannot be relayed: ${r.error}`));
  }
  d.audit.record({
    actor: 'technician',
    action: 'relay.import',
    detail: { file: path, bundleId: r.bundleId, records: r.records, new: r.isNew, ...(r.held ? { held: r.held } : {}) },
  });
  if (r.held) return said({ ok: true }, 'bundleHeld', { records: r.records, reason: r.held });
  d.notifySync();
  return said({ ok: true }, r.isNew ? 'bundleImported' : 'bundleSeen', { records: r.records });
}

/** Diagnostics' dead relay bundles: sent again (tried at once), or set aside (kept, listed, never sent). */
export function relayBundleAction(d: RelayActionDeps, bundleId: string, action: 'resend' | 'set-aside', said: Say): Outcome {
  const queue = new BundleQueue(d.db, d.now);
  const before = queue.get(bundleId);
  if (!before) return said(fail('NO_BUNDLE', 'no such relay bundle on this terminal'));
  const done = action === 'resend' ? queue.resend(bundleId) : queue.setAside(bundleId);
  if (!done) {
    const allowed = action === 'resend' ? 'a dead or set-aside bundle, or one with refused records,' : 'a dead bundle';
    return said(fail('BUNDLE_STATE', `only ${allowed} can be ${action === 'resend' ? 'resent' : 'set aside'}; this one is ${before.state}`));
  }
  d.audit.record({
    actor: 'technician',
    action: action === 'resend' ? 'relay.resend' : 'relay.set-aside',
    detail: { bundleId, origin: before.originTerminal, records: before.records, was: before.state, code: before.lastCode },
  });
  if (action === 'resend') d.notifySync();
  return said({ ok: true }, action === 'resend' ? 'bundleResent' : 'bundleSetAside', { records: before.records, origin: before.originTerminal });
}
