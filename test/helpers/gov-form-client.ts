import { randomUUID } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';

/**
 * A hand-made gov-form client, straight from province-gov-form.md with sm-crypto-v2 and nothing of the terminal's:
 * it checks the simulator, and the simulator checks the terminal's adapter, so neither is checked only by itself.
 */
export interface HandClientOptions {
  baseUrl: string;
  appMark: string;
  appWord: string;
  sm2PublicKey: string;
}

const C1C3C2 = 1;
export const encryptHex = (plain: string, publicKey: string) => '04' + sm2.doEncrypt(new TextEncoder().encode(plain), publicKey, C1C3C2);

/** `yyyyMMddHHmmss`, China Standard Time. */
export function cstCompact(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** `yyyy-MM-dd HH:mm:ss`, China Standard Time. */
export function cstDateTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

export interface Answer {
  status: number;
  date: string | null;
  body: { code: string; success: string; message: string; data: Record<string, unknown> | null };
}

export function handClient(o: HandClientOptions) {
  /** The four fields; `tweak` changes them before they are sent, to make a bad request. */
  const form = (payload: unknown, at = Date.now()) => {
    const time = cstCompact(at);
    return {
      appMark: o.appMark,
      time,
      sign: encryptHex(time + o.appMark + o.appWord, o.sm2PublicKey),
      params: JSON.stringify({ data: encryptHex(JSON.stringify(payload), o.sm2PublicKey) }),
    };
  };
  const send = async (path: string, fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded; charset=UTF-8'): Promise<Answer> => {
    const res = await fetch(`${o.baseUrl}/${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: new URLSearchParams(fields).toString() });
    return { status: res.status, date: res.headers.get('date'), body: (await res.json()) as Answer['body'] };
  };
  return {
    form,
    send,
    post: (path: string, payload: unknown, at?: number) => send(path, form(payload, at)),
  };
}

/** A service and its rating, as a gov-form terminal would send them; `over` changes the rating's fields. */
export function serviceAndRating(over: Record<string, unknown> = {}, at = Date.now()) {
  const sessionId = randomUUID();
  const evalId = randomUUID();
  const service = {
    projectNo: `T-0001-${sessionId}`,
    serviceNumber: sessionId,
    taskCode: 'TASK-1',
    taskName: '居民身份证换领',
    deptCode: 'D01',
    deptName: '公安局',
    areaCode: '350402',
    serviceTime: cstDateTime(at - 60_000),
    proManager: 'SM0012',
    proManagerName: '张三',
    proStatus: '3',
  };
  const rating: Record<string, unknown> = {
    projectNo: service.projectNo,
    serviceNumber: sessionId,
    taskCode: 'TASK-1',
    satisfaction: '1',
    evalDetail: '501',
    writingEvaluation: '',
    pf: '4',
    assessTime: cstDateTime(at),
    assessNumber: '1',
    evaluateType: '1',
    customFields: `T-0001,${evalId},1,${'ab'.repeat(32)}`,
    ...over,
  };
  return { service, rating, evalId, sessionId };
}
