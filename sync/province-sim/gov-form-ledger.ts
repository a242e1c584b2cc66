import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { sm2DecryptHex } from '../crypto/gm.js';
import { drawReject, type Faults } from './faults.js';
import {
  evalDetailProblem,
  evaluationPayload,
  fieldProblem,
  parseCustomFields,
  servicePayload,
  supplementPayload,
  type EvaluationPayload,
  type SatisfactionCodes,
  type ServicePayload,
} from './gov-form-payload.js';
import { SKEW_MS } from './gov-form-sign.js';
import { fail, ok, parseCstDateTime, type Envelope } from './gov-form-wire.js';

/**
 * What the gov-form simulator holds of the service records and ratings terminals submitted, and how it judges each
 * payload once the request is opened: every field, the service record before its rating, one rating per `evalId`,
 * a unique `seq` per terminal, the 差评 reason, the injected rejections.
 */

export interface GovService {
  payload: ServicePayload;
  serviceId: string;
  receivedAt: number;
}

export interface GovEvaluation {
  evalId: string;
  terminalId: string;
  seq: number;
  chainHash: string;
  via: 'submit' | 'supplement';
  relayBy?: string | undefined;
  payload: EvaluationPayload;
  receivedAt: number;
}

export interface GovFormLedgerContext {
  codes: SatisfactionCodes;
  privateKey: string;
  now: () => number;
  faults: () => Faults;
  random: () => number;
  /** The simulator's counts this judging adds to. */
  stats: Record<
    'services' | 'serviceDuplicates' | 'evaluations' | 'supplements' | 'duplicates' | 'missingService' | 'invalidRecords' | 'rejectedInjected',
    number
  >;
}

const serviceKey = (p: { projectNo: string; serviceNumber: string; taskCode?: string | undefined }) =>
  JSON.stringify([p.projectNo, p.serviceNumber, p.taskCode ?? '']);

export function govFormLedger(c: GovFormLedgerContext) {
  const { codes, privateKey, now, random, stats } = c;
  const services = new Map<string, GovService>();
  const evaluations = new Map<string, GovEvaluation>();
  const rejected: { evalId: string; message: string }[] = [];
  const seqs = new Map<string, Map<number, string>>(); // terminalId → seq → evalId

  const invalid = (message: string): Envelope => (stats.invalidRecords++, fail(message));

  const parse = <T>(schema: z.ZodType<T>, payload: unknown): T | Envelope => {
    const r = schema.safeParse(payload);
    return r.success ? r.data : invalid(fieldProblem(r.error));
  };

  const submitService = (payload: unknown): Envelope => {
    const p = parse(servicePayload, payload);
    if ('success' in p) return p;
    if (parseCstDateTime(p.serviceTime) === null) return invalid(`参数校验失败：serviceTime "${p.serviceTime}" 不是有效时间`);
    const key = serviceKey(p);
    const existing = services.get(key);
    if (existing) return (stats.serviceDuplicates++, fail('服务数据已存在'));
    const serviceId = randomUUID();
    services.set(key, { payload: p, serviceId, receivedAt: now() });
    stats.services++;
    return ok({ serviceId });
  };

  const sensitiveProblem = (p: EvaluationPayload): string | null => {
    for (const f of ['certKey', 'mobile'] as const) {
      const v = p[f];
      if (v !== undefined && sm2DecryptHex(v.slice(4), privateKey) === null) return `参数校验失败：${f} 无法用平台私钥解密`;
    }
    return null;
  };

  const submitEvaluation = (payload: unknown, via: 'submit' | 'supplement'): Envelope => {
    const p = parse<EvaluationPayload & { relayBy?: string }>(via === 'supplement' ? supplementPayload : evaluationPayload, payload);
    if ('success' in p) return p;
    const custom = parseCustomFields(p.customFields);
    if ('problem' in custom) return invalid(`参数校验失败：${custom.problem}`);
    if (p.relayBy !== undefined && p.relayBy === custom.terminalId)
      return invalid('参数校验失败：relayBy 与 customFields 的 terminalId 相同，补报须由另一终端转报');
    const assessTime = parseCstDateTime(p.assessTime);
    if (assessTime === null) return invalid(`参数校验失败：assessTime "${p.assessTime}" 不是有效时间`);
    const problem = evalDetailProblem(p, codes) ?? sensitiveProblem(p);
    if (problem) return invalid(problem.startsWith('参数') || problem.startsWith('差评') ? problem : `参数校验失败：${problem}`);
    if (evaluations.has(custom.evalId)) return (stats.duplicates++, fail('评价数据不可重复'));
    const service = services.get(serviceKey(p));
    if (!service) return (stats.missingService++, fail('没有对应的服务数据'));
    if (assessTime < (parseCstDateTime(service.payload.serviceTime) ?? 0)) return invalid('参数校验失败：assessTime 早于服务的 serviceTime');
    if (assessTime > now() + SKEW_MS) return invalid('参数校验失败：assessTime 晚于平台当前时间');
    const bySeq = seqs.get(custom.terminalId) ?? new Map<number, string>();
    const holder = bySeq.get(custom.seq);
    if (holder !== undefined && holder !== custom.evalId)
      return invalid(`参数校验失败：customFields 的 seq ${custom.seq} 已被终端 ${custom.terminalId} 的另一条评价使用`);
    if (drawReject(c.faults(), custom.seq, random)) {
      stats.rejectedInjected++;
      const message = `参数校验失败：proManager ${service.payload.proManager} 未在本平台登记（注入）`;
      rejected.push({ evalId: custom.evalId, message });
      return fail(message);
    }
    bySeq.set(custom.seq, custom.evalId);
    seqs.set(custom.terminalId, bySeq);
    evaluations.set(custom.evalId, { ...custom, via, relayBy: p.relayBy, payload: p, receivedAt: now() });
    if (via === 'supplement') stats.supplements++;
    else stats.evaluations++;
    return ok(null);
  };

  return { services, evaluations, rejected, parse, submitService, submitEvaluation };
}
