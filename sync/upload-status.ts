import type { CredentialRefusal } from './province/credentials.js';

export interface UploaderLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface UploaderStatus {
  online: boolean;
  lastUploadAt: string | null;
  lastError: string | null;
  /** 403 TERMINAL_DISABLED: uploads wait for the next config poll. */
  disabled: boolean;
  /** The province refused this terminal's credentials (an unknown app, a signature it cannot verify): records wait, retried with backoff, until it takes them. */
  credentials: CredentialRefusal | null;
}

export interface UploadStatusDeps {
  log: UploaderLog;
  /** Records still to send, for the outage lines of the log. */
  pending: () => number;
  onStatus: (s: UploaderStatus) => void;
}

/**
 * What the uploader shows of itself (status strip, diagnostics, heartbeat) and logs of an outage. Its own module because
 * it is the one part the sending loop, the relay and the backoff rules all write to, and it must stay quiet while an
 * outage is retried again and again.
 */
export class UploadStatusBoard {
  private st: UploaderStatus = { online: false, lastUploadAt: null, lastError: null, disabled: false, credentials: null };
  /** When the province stopped answering, while it does not. */
  private downSince: number | null = null;

  constructor(private readonly o: UploadStatusDeps) {}

  status(): UploaderStatus {
    return { ...this.st };
  }

  get online(): boolean {
    return this.st.online;
  }

  get disabled(): boolean {
    return this.st.disabled;
  }

  /** Publishes only real changes: an outage retried every backoff must not write or broadcast each time. */
  update(patch: Partial<UploaderStatus>): void {
    const next = { ...this.st, ...patch };
    const same = (k: keyof UploaderStatus) => (k === 'credentials' ? sameRefusal(next.credentials, this.st.credentials) : next[k] === this.st[k]);
    if ((Object.keys(next) as (keyof UploaderStatus)[]).every(same)) return;
    if (patch.online !== undefined) this.logReachability(patch.online, next.lastError);
    this.st = next;
    this.o.onStatus(this.status());
  }

  /** An outage is visible in the log: one line when the province stops answering, one when it answers again. */
  private logReachability(online: boolean, reason: string | null): void {
    const now = Date.now();
    if (!online && this.downSince === null) {
      this.downSince = now;
      this.o.log.warn({ pending: this.o.pending(), reason }, 'province unreachable; records are kept and sent when it answers');
    } else if (online && this.downSince !== null) {
      this.o.log.info({ pending: this.o.pending(), unreachableForS: Math.round((now - this.downSince) / 1000) }, 'province reachable again');
      this.downSince = null;
    }
  }
}

function sameRefusal(a: CredentialRefusal | null, b: CredentialRefusal | null): boolean {
  return a === b || (a !== null && b !== null && a.kind === b.kind && a.code === b.code && a.message === b.message);
}
