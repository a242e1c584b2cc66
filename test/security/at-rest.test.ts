import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliver } from '../../main/devices/deliver.js';
import { startHost } from '../../main/host/host.js';
import { createLogger } from '../../main/log/logger.js';
import { readProvisioningFile } from '../../main/provisioning/apply.js';
import { keyFilePath } from '../../main/provisioning/secrets.js';
import { startRuntime } from '../../main/runtime/runtime.js';
import { apiClient } from '../helpers/clients.js';
import { scratchDirs, writeProvisioning } from '../helpers/fixtures.js';
import { runCommand } from '../helpers/process.js';
import { waitFor } from '../helpers/until.js';

const dir = scratchDirs();
const mode = (p: string) => statSync(p).mode & 0o777;

describe('terminal data at rest is its user’s alone', () => {
  it('tightens a data directory, its logs and its database that existed with loose modes, and a loose key file', async () => {
    const keys = dir();
    process.env['HCP_KEY_DIR'] = keys;
    const data = dir();
    chmodSync(data, 0o755);
    mkdirSync(join(data, 'logs'), { mode: 0o755 });
    writeFileSync(join(data, 'logs', 'terminal.log'), '', { mode: 0o644 });
    const file = readProvisioningFile(writeProvisioning(dir()));
    const log = createLogger(data);
    const first = await startRuntime({ dataDir: data, provisioningFile: file, log });
    await first.close();
    chmodSync(keyFilePath(data), 0o644);
    chmodSync(join(data, 'hcp-terminal.db'), 0o644);
    chmodSync(data, 0o755);
    const again = await startRuntime({ dataDir: data, log: createLogger(data) });
    try {
      expect(mode(data)).toBe(0o700);
      expect(mode(join(data, 'logs'))).toBe(0o700);
      expect(mode(join(data, 'logs', 'terminal.log'))).toBe(0o600);
      expect(mode(join(data, 'hcp-terminal.db'))).toBe(0o600);
      expect(mode(join(data, 'hcp-terminal.db-wal'))).toBe(0o600);
      expect(mode(keyFilePath(data))).toBe(0o600);
    } finally {
      await again.close();
    }
  });

  it('writes an export bundle 0600 over a file that was world-readable, without evaluator names unless asked', async () => {
    const keys = dir();
    const data = dir();
    const env = { HCP_KEY_DIR: keys };
    expect(runCommand(['provision', '--data-dir', data, '--file', writeProvisioning(dir())], env).code).toBe(0);
    const out = join(dir(), 'bundle.json');
    writeFileSync(out, 'old', { mode: 0o644 });
    const r = runCommand(['export', '--data-dir', data, '--out', out], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'exported', names: false });
    expect(mode(out)).toBe(0o600);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ format: 'hcp-export/1' });
  });

  it('never writes a province secret of either dialect to the log file', () => {
    const data = dir();
    const log = createLogger(data, 'warn');
    log.warn(
      { appSecret: 'hcp-json-secret-1', appWord: 'gov-form-word-1', province: { appWord: 'gov-form-word-2', appSecret: 'hcp-json-secret-2' } },
      'secrets test',
    );
    const text = readFileSync(join(data, 'logs', 'terminal.log'), 'utf8');
    expect(text).toContain('secrets test');
    expect(text).not.toMatch(/hcp-json-secret|gov-form-word/);
  });

  it('writes an unknown badge to the log by its last four digits only', async () => {
    const keys = dir();
    process.env['HCP_KEY_DIR'] = keys;
    const data = dir();
    const log = createLogger(data, 'info');
    const runtime = await startRuntime({ dataDir: data, provisioningFile: readProvisioningFile(writeProvisioning(dir())), log });
    const host = await startHost({ runtime, host: '127.0.0.1', port: 0, uiDir: '/nonexistent', log, dataDir: data });
    try {
      const answer = await apiClient(host.apiUrl).post('/staff/login', { badgeId: 'DEADBEEF99' });
      expect(answer.status).toBe(404);
      expect(answer.body['message']).toContain('…EF99');
      // The path a serial badge reader takes: its refusal is logged.
      deliver(log, 'badge reader', () => runtime.terminal.loginByBadge('deadbeef99'));
      await waitFor(() => readFileSync(join(data, 'logs', 'terminal.log'), 'utf8').includes('badge reader refused'), 'the refusal logged');
    } finally {
      await host.close();
      await runtime.close();
    }
    const text = readFileSync(join(data, 'logs', 'terminal.log'), 'utf8');
    expect(text).toContain('badge reader refused: badge …EF99');
    expect(text).not.toMatch(/DEADBEEF99/i);
  });
});
