import { describe, expect, it } from 'vitest';
import { isHealthy, parseHealthLine } from '../../main/update/health.js';

describe('the launcher’s health check of a release on trial', () => {
  it('reads only well-formed health lines; the ready line and anything else a release prints are not health', () => {
    expect(parseHealthLine('{"event":"health","database":"passed","kiosk":true}')).toEqual({ database: 'passed', kiosk: true });
    expect(parseHealthLine('{"event":"ready","ui":"http://127.0.0.1:8720/","api":"http://127.0.0.1:8720/api/v1"}')).toBeNull();
    expect(parseHealthLine('{"event":"health","database":"ok","kiosk":true}')).toBeNull();
    expect(parseHealthLine('{"event":"health","database":"passed"}')).toBeNull();
    expect(parseHealthLine('health: fine')).toBeNull();
  });

  it('is healthy when the database passed its check and, where a kiosk is configured, its page connected', () => {
    expect(isHealthy(null, false)).toBe(false);
    expect(isHealthy({ database: 'passed', kiosk: false }, false)).toBe(true);
    expect(isHealthy({ database: 'passed', kiosk: false }, true)).toBe(false);
    expect(isHealthy({ database: 'passed', kiosk: true }, true)).toBe(true);
    // A start that had to salvage its database is not a healthy start, kiosk or not.
    expect(isHealthy({ database: 'recovered', kiosk: true }, true)).toBe(false);
    expect(isHealthy({ database: 'recovered', kiosk: false }, false)).toBe(false);
  });
});
