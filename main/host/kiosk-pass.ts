import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { mkdirSync, chmodSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const KIOSK_COOKIE = 'hcp_kiosk';
export const CLAIM_PATH = '/kiosk/claim';

/**
 * The proof that a bridge client is the kiosk's own page, new at every boot. It never appears in a URL (logs,
 * history, `ps`): the kiosk browser opens a launch page from the data directory (mode 0600, readable only by the
 * terminal's user), which POSTs the secret to the host, which answers with an HttpOnly, SameSite=Strict cookie.
 */
export class KioskPass {
  readonly secret = randomBytes(32).toString('base64url');

  constructor(readonly launchFile: string) {}

  /** Writes the launch page for the UI at `uiUrl`. */
  static create(dataDir: string, uiUrl: string): KioskPass {
    const dir = join(dataDir, 'kiosk');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const pass = new KioskPass(join(dir, 'launch.html'));
    rmSync(pass.launchFile, { force: true });
    writeFileSync(pass.launchFile, launchPage(new URL(CLAIM_PATH, uiUrl).href, pass.secret), { mode: 0o600 });
    return pass;
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

function launchPage(claimUrl: string, secret: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>好差评评价终端</title></head>
<body style="background:#f4f6fa">
<form method="post" action="${claimUrl}"><input type="hidden" name="secret" value="${secret}"></form>
<script>document.forms[0].submit();</script>
</body></html>
`;
}
