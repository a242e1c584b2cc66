import type { EvaluationRecord } from '../../record.js';

/** How a province numbers the five levels: GB/T 39046-2020 table A.8 (1 = 非常满意) or province-api.md's (5 = 非常满意). */
export type SatisfactionCodes = 'gbt' | 'desc5';

/** The terminal stores levels as province-api.md numbers them (5 = 非常满意); the province gets its own numbering. */
export function satisfactionCode(level: number, codes: SatisfactionCodes): string {
  return String(codes === 'gbt' ? 6 - level : level);
}

/** 评价人未说明原因: the one reason a 差评 may carry when its citizen gave none. */
export const NO_REASON_CODE = '000';

/** The longest projectNo the province takes (province-gov-form.md, service/submit). */
export const GOV_FORM_MAX_PROJECT_NO = 50;

/** 办件编号 from the business system, else the terminal's own `{terminalId}-{sessionId}` (as the recording terminal had it). */
export function projectNoOf(r: { projectNo?: string | undefined; terminalId: string; sessionId: string }): string {
  return r.projectNo ?? `${r.terminalId}-${r.sessionId}`;
}

/** The session a record belongs to (every record carries it as `groupId`; a record without one is its own session). */
export function sessionOf(r: EvaluationRecord): string {
  return r.groupId ?? r.evalId;
}

/** The key the province gives a service record: (`projectNo`, `serviceNumber`, `taskCode`). */
export function serviceKey(r: EvaluationRecord): string {
  return JSON.stringify([projectNoOf({ ...r, sessionId: sessionOf(r) }), sessionOf(r), r.taskCode ?? null]);
}

/**
 * The times a province on `latest` (its clock, as this terminal now knows it, `yyyy-MM-dd HH:mm:ss` CST) will take:
 * `assessTime` never after it, `serviceTime` never after `assessTime`. A rating stamped while the terminal's clock ran
 * ahead and the offset was not yet known (`clockTrusted: false`) would otherwise be refused for good (the spec bounds
 * `assessTime` by the province's clock + 300 s). The record itself, its chain and `customFields` keep what was stored.
 */
export function withinProvinceClock(r: EvaluationRecord, latest: string): EvaluationRecord {
  const serviceTime = r.serviceTime ?? r.assessTime;
  if (r.assessTime <= latest && serviceTime <= r.assessTime) return r;
  const assessTime = r.assessTime <= latest ? r.assessTime : latest;
  return { ...r, assessTime, serviceTime: serviceTime <= assessTime ? serviceTime : assessTime };
}

/** `service/submit`: the 办件 a rating belongs to, one per item. */
export function servicePayload(r: EvaluationRecord): Record<string, string> {
  const serviceNumber = sessionOf(r);
  return withoutUndefined({
    projectNo: projectNoOf({ ...r, sessionId: serviceNumber }),
    serviceNumber,
    taskCode: r.taskCode,
    taskName: r.taskName,
    deptCode: r.deptCode,
    deptName: r.deptName,
    areaCode: r.areaCode,
    // A record from before serviceTime was kept: the rating's own time is the latest the invitation can have opened.
    serviceTime: r.serviceTime ?? r.assessTime,
    proManager: r.proManager,
    proManagerName: r.proManagerName,
    proStatus: '3',
  });
}

/**
 * `evalDetail`: tag codes, questionnaire answers (`Q:`), dimension levels (`D:`, numbered as `satisfaction` is). A
 * 差评 whose citizen gave neither a tag nor a comment carries `000` first, the code this dialect accepts for exactly that.
 */
export function evalDetailOf(r: EvaluationRecord, codes: SatisfactionCodes): string {
  const entries = r.evalDetail ? r.evalDetail.split(',').filter((e) => e !== '') : [];
  const tags = entries.filter((e) => !e.startsWith('Q:') && !e.startsWith('D:'));
  const bad = r.satisfaction <= 2;
  const reasonless = bad && tags.length === 0 && !r.writingEvaluation?.trim();
  const dims = r.dimensions
    ? (['serviceEfficiency', 'serviceLevel', 'serviceAttitude'] as const).map((d) => `D:${d}=${satisfactionCode(r.dimensions?.[d] ?? 0, codes)}`)
    : [];
  return [...(reasonless ? [NO_REASON_CODE] : []), ...entries, ...dims].join(',');
}

/** `customFields`: `{terminalId},{evalId},{seq},{chainHash}` as the recording terminal has them; the province keys ratings by the evalId. */
export function customFieldsOf(r: EvaluationRecord): string {
  return [r.terminalId, r.evalId, String(r.seq), r.chainHash].join(',');
}

/** `evaluation/submit` (and, with `relayBy`, `evaluation/supplement`): one rating. */
export function evaluationPayload(r: EvaluationRecord, codes: SatisfactionCodes, relayBy?: string): Record<string, string> {
  const serviceNumber = sessionOf(r);
  const detail = evalDetailOf(r, codes);
  return withoutUndefined({
    projectNo: projectNoOf({ ...r, sessionId: serviceNumber }),
    serviceNumber,
    taskCode: r.taskCode,
    satisfaction: satisfactionCode(r.satisfaction, codes),
    evalDetail: detail === '' ? undefined : detail,
    writingEvaluation: r.writingEvaluation,
    pf: r.pf,
    assessTime: r.assessTime,
    assessNumber: String(r.assessNumber),
    evaluateType: String(r.evaluateType),
    userName: r.userName,
    userProp: r.userProp === undefined ? undefined : String(r.userProp),
    certKey: r.certKey,
    mobile: r.mobile,
    customFields: customFieldsOf(r),
    relayBy,
  });
}

function withoutUndefined(o: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
