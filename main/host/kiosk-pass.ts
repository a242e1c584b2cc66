import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';

export const KIOSK_COOKIE = 'hcp_kiosk';
export const CLAIM_PATH = '/kiosk/claim';

/**
 * The proof that a bridge client is the kiosk's own page, new at every boot. It never appears in a URL (logs,
 * history, `ps`): the kiosk browser opens a launch page, which POSTs the secret to the host, which answers with an
 * HttpOnly, SameSite=Strict cookie. The page is in the data directory (0600, the terminal's user's alone), or, where
 * the kiosk window is another user's (the package), in a handover folder whose group is the kiosk's users
 * (docs/security.md, "The kiosk pass in detail").
 */
export class KioskPass {
  constructor(
    readonly launchFile: string,
    readonly secret: string,
  ) {}

  /**
   * Writes the launch page for the UI at `uiUrl`, into `handoverDir` (checked with kioskDirProblem, readable by its
   * group) or else the data directory's `kiosk/`. Within one boot of the machine a restarted terminal keeps the
   * secret, so a kiosk window that stayed open through the restart keeps working; a new boot makes a new one.
   */
  static create(dataDir: string, uiUrl: string, handoverDir?: string): KioskPass {
    const dir = handoverDir ?? join(dataDir, 'kiosk');
    if (handoverDir === undefined) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    } else {
      const problem = kioskDirProblem(dir);
      if (problem) throw new Error(problem);
    }
    const file = join(dir, 'launch.html');
    const claimUrl = new URL(CLAIM_PATH, uiUrl).href;
    const secret = sameBoot(file, claimUrl) ?? randomBytes(32).toString('base64url');
    const tmp = `${file}.tmp`;
    rmSync(tmp, { force: true });
    const mode = handoverDir === undefined ? 0o600 : 0o640;
    writeFileSync(tmp, launchPage(claimUrl, secret), { mode });
    // The service's umask (0077) would keep the group out; and the page must carry the folder's group even where the
    // folder is not setgid (the service user is then a member of it).
    chmodSync(tmp, mode);
    if (handoverDir !== undefined) {
      const gid = statSync(dir).gid;
      if (statSync(tmp).gid !== gid) chownSync(tmp, -1, gid);
    }
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

/**
 * Why `dir` cannot take the kiosk pass, or null. The folder is made by root (the package, `install-service`): this
 * user's, its group the kiosk's users, nothing for anyone else; a real folder, not a link someone could point elsewhere.
 */
export function kioskDirProblem(dir: string): string | null {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    return `the kiosk pass folder ${dir} cannot be used: ${(err as Error).message} (reinstall, or run install-service as root)`;
  }
  if (!st.isDirectory()) return `the kiosk pass folder ${dir} is not a folder`;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `the kiosk pass folder ${dir} belongs to uid ${String(st.uid)}, not to this terminal's user (uid ${String(uid)})`;
  // Others may not look in; the group may read but not write (a kiosk user must not swap the page the kiosk opens).
  if ((st.mode & 0o027) !== 0) return `the kiosk pass folder ${dir} has mode ${(st.mode & 0o7777).toString(8)}: it must be 2750 (its group reads, no one else)`;
  return null;
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
<html lang="zh-CN"><head><meta charset="utf-8"><title>好差评评价终端</title></head>
<body style="background:#f4f6fa">
<form method="post" action="${claimUrl}"><input type="hidden" name="secret" value="${secret}"></form>
<script>document.forms[0].submit();</script>
</body></html>
`;
}
