import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';

export const KIOSK_COOKIE = 'hcp_kiosk';
export const CLAIM_PATH = '/kiosk/claim';

/**
 * The proof that a bridge client is the kiosk's own page, new at every boot. It never appears in a URL (logs,
 * history, `ps`): the kiosk browser opens a launch page from the data directory (mode 0600, readable only by the
 * terminal's user), which POSTs the secret to the host, which answers with an HttpOnly, SameSite=Strict cookie.
 */
export class KioskPass {
  constructor(
    readonly launchFile: string,
    readonly secret: string,
  ) {}

  /**
   * Writes the launch page for the UI at `uiUrl`. Within one boot of the machine a restarted terminal keeps the
   * secret, so a kiosk window that stayed open through the restart keeps working; a new boot makes a new one.
   */
  static create(dataDir: string, uiUrl: string): KioskPass {
    const dir = join(dataDir, 'kiosk');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const file = join(dir, 'launch.html');
    const claimUrl = new URL(CLAIM_PATH, uiUrl).href;
    const secret = sameBoot(file, claimUrl) ?? randomBytes(32).toString('base64url');
    const tmp = `${file}.tmp`;
    rmSync(tmp, { force: true });
    writeFileSync(tmp, launchPage(claimUrl, secret), { mode: 0o600 });
    renameSync(tmp, file);
    return new KioskPass(file, secret);
  }

  matches(candidate: string | undefined): boolean {
    if (!candidate) return false;
    const a = createHash('sha256').update(candidate).digest();
    const b = createHash('sha256').update(this.secret).digest();
    return timingSafeEqual(a, b);
  }

  /** The secret from a request's Cookie header, if it carries one. */
  fromCookie(header: string | undefined): boolean {
    for (const part of (header ?? '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === KIOSK_COOKIE && this.matches(v.join('='))) return true;
    }
    return false;
  }

  cookie(): string {
    return `${KIOSK_COOKIE}=${this.secret}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

/** The secret of a launch page written since this machine booted, for the same address; else null. */
function sameBoot(file: string, claimUrl: string): string | null {
  try {
    const bootedAt = Date.now() - uptime() * 1000;
    if (statSync(file).mtimeMs < bootedAt) return null;
    const page = readFileSync(file, 'utf8');
    const m = /action="([^"]+)"><input type="hidden" name="secret" value="([A-Za-z0-9_-]{43})"/.exec(page);
    return m?.[1] === claimUrl && m[2] ? m[2] : null;
  } catch {
    return null;
  }
}

/** The claim address and secret a launch page holds, for the kiosk launcher. */
export function readLaunchPage(file: string): { claimUrl: string } | null {
  try {
    const m = /action="([^"]+)"/.exec(readFileSync(file, 'utf8'));
    return m?.[1] ? { claimUrl: m[1] } : null;
  } catch {
    return null;
  }
}

function launchPage(claimUrl: string, secret: string): string {
  return `<!doctype html>
<html lang="zh-CN" translate="no"><head><meta charset="utf-8"><meta name="google" content="notranslate"><title>好差评评价终端</title></head>
<body style="background:#f4f6fa">
<form method="post" action="${claimUrl}"><input type="hidden" name="secret" value="${secret}"></form>
<script>document.forms[0].submit();</script>
</body></html>
`;
}
