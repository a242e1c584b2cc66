import type { Failure } from './adapter.js';

/**
 * gov-form has no code for an unknown app: its message says so in words like these, often inside a sign refusal
 * (`验签失败：签名无效，appMark "…" 未注册`), sometimes alone (`appMark不存在`). The words must be about the app itself:
 * a message that names appMark beside appWord (`签名内容与 time、appMark、appWord 不符`) is about the signature.
 */
const UNKNOWN_APP =
  /(appMark|应用)(?:(?!appWord|签名|[,，;；。])[\s\S]){0,40}?(不存在|未注册|无效|未授权|未找到|not found|not registered|unknown)|未注册的应用|无效的应用|unknown app/i;

/** Whether a province's message says it does not know the app (gov-form's words; hcp-json says `UNKNOWN_APP_KEY`). */
export function saysUnknownApp(message: string): boolean {
  return UNKNOWN_APP.test(message);
}

/**
 * A refusal of this terminal's credentials rather than of a record: `unknown-app` when the province does not know the
 * app (yet), `refused` when it could not verify the request (secret, key or signing wrong, a replayed sign).
 */
export interface CredentialRefusal {
  kind: 'unknown-app' | 'refused';
  /** The province's code (hcp-json) or the adapter's for its words (gov-form: `UNKNOWN_APP`, `SIGN_REFUSED`). */
  code: string;
  /** The province's own message. */
  message: string;
}

/** hcp-json's 401 codes for credentials (province-api.md, Errors); `CLOCK_SKEW` is its own failure kind. */
const HCP_JSON_SIGNING = new Set(['BAD_SIGNATURE', 'REPLAYED_NONCE']);

/**
 * The one classifier of credential refusals, for the connection test and the uploader alike, in either dialect:
 * hcp-json's 401 `UNKNOWN_APP_KEY`, `BAD_SIGNATURE`, `REPLAYED_NONCE` (and any other 401 but the clock's); gov-form's
 * `UNKNOWN_APP` and `SIGN_REFUSED`, and its unknown-app words wherever they come. Null for anything else.
 */
export function credentialRefusal(f: Failure): CredentialRefusal | null {
  if (f.kind !== 'refused') return null;
  const { code, message } = f;
  if (code === 'UNKNOWN_APP_KEY' || code === 'UNKNOWN_APP') return { kind: 'unknown-app', code, message };
  // Before the sign refusal: a province that does not know the app fails its sign too, and says why.
  if ((code === 'REJECTED' || code === 'SIGN_REFUSED') && saysUnknownApp(message)) return { kind: 'unknown-app', code: 'UNKNOWN_APP', message };
  if (code === 'SIGN_REFUSED' || HCP_JSON_SIGNING.has(code) || f.status === 401) return { kind: 'refused', code, message };
  return null;
}

/** What a technician reads in the sync status: what is wrong, what happens to the ratings, what to do. */
export function credentialWords(c: CredentialRefusal): string {
  const said = `${c.code}: ${c.message}`;
  return c.kind === 'unknown-app'
    ? `credentials refused: the province does not know this terminal’s app yet (${said}); ratings are kept and retried, and go once the province registers the app`
    : `credentials refused: the province could not verify this terminal’s requests (${said}); ratings are kept and retried; check the app secret and the province’s public key`;
}
