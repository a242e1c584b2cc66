import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join, resolve } from 'node:path';

export const KIOSK_COOKIE = 'hcp_kiosk';
export const CLAIM_PATH = '/kiosk/claim';

/**
 * The proof that a bridge client is the kiosk's own page, new at every boot. It never appears in a URL (logs,
 * history, `ps`): the kiosk browser opens a launch page, which POSTs the secret to the host, which answers with an
 * HttpOnly, SameSite=Strict cookie. The page is in the data directory (0600, the terminal's user's alone), or, where
 * the kiosk window is another user's (the package, `install-service --kiosk-user`), in the folder beside it that root
 * made for the kiosk's group (docs/security.md, "The kiosk pass in detail").
 */
export class KioskPass {
  constructor(
    readonly launchFile: string,
    readonly secret: string,
  ) {}

  /**
   * Writes the launch page for the UI at `uiUrl`: into the kiosk group's folder beside the data directory where root
   * made one (readable by that group), else into the data directory's `kiosk/`. A folder that is there but not safe is
   * not used, and `refused` says why (the screen then cannot rate, the keypad still can). Within one boot of the
   * machine a restarted terminal keeps the secret, so a kiosk window that stayed open through the restart keeps
   * working; a new boot makes a new one.
   */
  static create(dataDir: string, uiUrl: string, refused: (why: string) => void = () => undefined): KioskPass {
    const claimUrl = new URL(CLAIM_PATH, uiUrl).href;
    const shared = kioskDirOf(dataDir);
    const problem = kioskDirProblem(shared);
    if (problem === null) {
      try {
        return KioskPass.write(shared, claimUrl, 0o640);
      } catch (err) {
        refused(`the kiosk pass could not be written to ${shared}: ${(err as Error).message}: the kiosk window cannot rate`);
      }
    } else if (problem !== NO_FOLDER) refused(problem);
    const own = join(dataDir, 'kiosk');
    mkdirSync(own, { recursive: true, mode: 0o700 });
    chmodSync(own, 0o700);
    return KioskPass.write(own, claimUrl, 0o600);
  }

  private static write(dir: string, claimUrl: string, mode: number): KioskPass {
    const file = join(dir, 'launch.html');
    const secret = sameBoot(file, claimUrl) ?? randomBytes(32).toString('base64url');
    const tmp = `${file}.tmp`;
    rmSync(tmp, { force: true });
    writeFileSync(tmp, launchPage(claimUrl, secret), { mode });
    // The service's umask (0077) would keep the group out; and the page must carry the folder's group even where the
    // folder is not setgid (the service user is then a member of it).
    chmodSync(tmp, mode);
    const gid = statSync(dir).gid;
    if (mode & 0o040 && statSync(tmp).gid !== gid) chownSync(tmp, -1, gid);
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
 * The kiosk group's folder for the pass: beside the data directory, so that it needs no setting (a release that
 * predates it, started by the same unit, runs as before).
 */
export function kioskDirOf(dataDir: string): string {
  return `${resolve(dataDir)}-kiosk`;
}

const NO_FOLDER = 'none';

/**
 * Why `dir` cannot take the kiosk pass (NO_FOLDER: there is none), or null. The folder is made by root (the package,
 * `install-service --kiosk-user`): this user's, its group the kiosk's users, nothing for anyone else; a real folder,
 * not a link someone could point elsewhere.
 */
export function kioskDirProblem(dir: string): string | null {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return NO_FOLDER;
    return `the kiosk pass folder ${dir} cannot be used: ${(err as Error).message}`;
  }
  if (!st.isDirectory()) return `the kiosk pass folder ${dir} is not a folder: the kiosk window cannot rate (reinstall, or run install-service as root)`;
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    return `the kiosk pass folder ${dir} belongs to uid ${String(st.uid)}, not to this terminal's user (uid ${String(uid)}): the kiosk window cannot rate (reinstall, or run install-service as root)`;
  // Others may not look in; the group may read but not write (a kiosk user must not swap the page the kiosk opens).
  if ((st.mode & 0o027) !== 0)
    return `the kiosk pass folder ${dir} has mode ${(st.mode & 0o7777).toString(8)}, not 2750 (its group reads, no one else): the kiosk window cannot rate (reinstall, or run install-service as root)`;
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

/**
 * Posts the secret at once. A window still on this page after 10 s (a claim the terminal never answered, or one the
 * browser dropped while it was still opening the window) loads it again and posts again, rather than showing its blank
 * background all day.
 */
function launchPage(claimUrl: string, secret: string): string {
  return `<!doctype html>
<html lang="zh-CN" translate="no"><head><meta charset="utf-8"><meta name="google" content="notranslate"><title>好差评评价终端</title></head>
<body style="background:#f4f6fa">
<form method="post" action="${claimUrl}"><input type="hidden" name="secret" value="${secret}"></form>
<script>document.forms[0].submit();setTimeout(function(){location.reload();},10000);</script>
</body></html>
`;
}
