import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { afterEach } from 'vitest';
import type { NewRecord } from '../../sync/record.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const BADGE = '0A1B2C3D4E';
export const BADGE_2 = '0A1B2C3D4F';
export const SM2_KEYS = sm2.generateKeyPairHex();

export function tempDir(prefix = 'hcp-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A scratch directory per call, all removed after each test of the file that calls this at its top. */
export function scratchDirs(): () => string {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));
  return () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    return t.path;
  };
}

/** A valid record as the core would queue it, for outbox and uploader tests. */
export function newRecord(overrides: Partial<NewRecord> = {}): NewRecord {
  return {
    evalId: randomUUID(),
    terminalId: 'T-1',
    areaCode: '350402',
    hallCode: 'H01',
    windowCode: 'A12',
    pf: '4',
    satisfaction: 4,
    assessTime: '2026-11-24 10:00:00',
    clockTrusted: false,
    assessNumber: 1,
    evaluateType: 1,
    proManager: 'SM0012',
    proManagerName: '张三',
    flags: [],
    ...overrides,
  };
}

export interface ProvisioningOverrides {
  rating?: Record<string, unknown>;
  sm2PublicKey?: string | null;
  port?: number;
  devices?: Record<string, unknown>;
  baseUrl?: string;
  staffPin?: string;
  technicianPin?: string;
  terminalId?: string;
  /** Merged over the province section and the offline config (their top-level fields replaced). */
  province?: Record<string, unknown>;
  offlineConfig?: Record<string, unknown>;
  /** v1.3's `network` (proxy, noProxy). */
  network?: Record<string, unknown>;
  /** The screen's prompts spoken: `on` when absent (the schema's default). */
  voice?: 'on' | 'off' | 'elderly-only';
}

/** A complete provisioning file in the shape of terminal-cli.md. */
export function provisioningFile(o: ProvisioningOverrides = {}): Record<string, unknown> {
  return {
    terminal: { terminalId: o.terminalId ?? 'T-350402-0001', areaCode: '350402', hallCode: 'H01', windowCode: o.terminalId ? 'B07' : 'A12' },
    province: {
      baseUrl: o.baseUrl ?? 'http://127.0.0.1:9',
      appKey: 'app-key-1',
      appSecret: 'app-secret-123456',
      signAlg: 'HMAC-SM3',
      ...(o.sm2PublicKey === null ? {} : { sm2PublicKey: o.sm2PublicKey ?? SM2_KEYS.publicKey }),
      offlineLinkTemplate: 'https://hcp.example.gov.cn/m/e?t={terminalId}&s={sessionId}&sig={sig}',
      ...o.province,
    },
    devices: o.devices ?? { keypad: { type: 'none' }, badge: { type: 'keyboard' } },
    localApi: { host: '127.0.0.1', port: o.port ?? 0, token: TOKEN },
    technician: { pin: o.technicianPin ?? '135790' },
    ...(o.network ? { network: o.network } : {}),
    ...(o.voice ? { voice: o.voice } : {}),
    offlineConfig: {
      configVersion: '1',
      terminal: { hallName: '测试大厅', windowName: '12号窗口' },
      staff: [
        { staffId: 'SM0012', name: '张三', title: '综合窗口', badgeIds: [BADGE], pin: o.staffPin ?? '1234' },
        { staffId: 'SM0013', name: '李四', badgeIds: [BADGE_2] },
      ],
      tags: {
        version: '3',
        byLevel: {
          '1': [
            { code: '101', text: '办事效率低' },
            { code: '102', text: '态度差' },
          ],
          '2': [{ code: '201', text: '等候时间长' }],
        },
      },
      questions: [{ id: 'guide', text: '服务指引是否清晰' }],
      rating: { timeoutSeconds: 30, followUpTimeoutSeconds: 60, followUp: 'bad', ...o.rating },
      ...o.offlineConfig,
    },
  };
}

export function writeProvisioning(dir: string, o: ProvisioningOverrides = {}, name = 'provision.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(provisioningFile(o), null, 2));
  return file;
}
