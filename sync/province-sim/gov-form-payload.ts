import { z } from 'zod';

/** The payloads of province-gov-form.md, field by field, as a strict province reads them. */

const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'must be yyyy-MM-dd HH:mm:ss');
/** Optional text: absent when unknown; the empty string reads as absent, as the live interfaces send it. */
const text = z.string().optional();
const sealed = z.string().regex(/^sm2:04[0-9a-f]{194,}$/, 'must be "sm2:" + lower-case hex C1C3C2');

export const servicePayload = z.strictObject({
  projectNo: z.string().min(1).max(50),
  serviceNumber: z.string().min(1),
  taskCode: text,
  taskName: text,
  deptCode: text,
  deptName: text,
  areaCode: z.string().regex(/^(\d{6}|\d{12})$/, 'must be 6 or 12 digits'),
  serviceTime: dateTime,
  proManager: z.string().min(1),
  proManagerName: z.string().min(1),
  proStatus: z.literal('3'),
});
export type ServicePayload = z.infer<typeof servicePayload>;

export const evaluationPayload = z.strictObject({
  projectNo: z.string().min(1).max(50),
  serviceNumber: z.string().min(1),
  taskCode: text,
  satisfaction: z.enum(['1', '2', '3', '4', '5']),
  evalDetail: text,
  writingEvaluation: z.string().max(500).optional(),
  pf: z.enum(['4', '5']),
  assessTime: dateTime,
  assessNumber: z.literal('1'),
  evaluateType: z.literal('1'),
  userName: text,
  userProp: z.enum(['1', '2']).optional(),
  certKey: sealed.optional(),
  mobile: sealed.optional(),
  customFields: z.string(),
});
export type EvaluationPayload = z.infer<typeof evaluationPayload>;

export const supplementPayload = evaluationPayload.extend({ relayBy: z.string().min(1) });

/** `evaluation/url`: the QR code's page (`pf` "3"), or page mode's tablet page (`pf` "4", province-page.md) with its `returnUrl`. */
export const urlPayload = z
  .strictObject({
    projectNo: z.string().min(1).max(50),
    serviceNumber: z.string().min(1),
    pf: z.enum(['3', '4']),
    type: z.literal('1'),
    returnUrl: z
      .url({ protocol: /^https?$/ })
      .max(512)
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.pf === '4' && p.returnUrl === undefined) ctx.addIssue({ code: 'custom', path: ['returnUrl'], message: 'pf 为 4（平板评价页面）时必填' });
    if (p.pf === '3' && p.returnUrl !== undefined) ctx.addIssue({ code: 'custom', path: ['returnUrl'], message: '仅 pf 为 4 时可填' });
  });

/** `evaluation/status` (province-page.md). */
export const statusPayload = z.strictObject({
  projectNo: z.string().min(1).max(50),
  serviceNumber: z.string().min(1),
});

export interface CustomFields {
  terminalId: string;
  evalId: string;
  seq: number;
  chainHash: string;
}

/** `{terminalId},{evalId},{seq},{chainHash}`, or a message naming what is wrong. */
export function parseCustomFields(s: string): CustomFields | { problem: string } {
  const parts = s.split(',');
  const [terminalId, evalId, seq, chainHash] = parts;
  if (parts.length !== 4 || terminalId === undefined || evalId === undefined || seq === undefined || chainHash === undefined)
    return { problem: 'customFields 应为 {terminalId},{evalId},{seq},{chainHash}' };
  if (terminalId === '') return { problem: 'customFields 的 terminalId 为空' };
  if (!z.uuid().safeParse(evalId).success) return { problem: 'customFields 的 evalId 不是 UUID' };
  if (!/^[1-9]\d{0,15}$/.test(seq)) return { problem: 'customFields 的 seq 不是正整数' };
  if (!/^[0-9a-f]{64}$/.test(chainHash)) return { problem: 'customFields 的 chainHash 不是 64 位小写十六进制' };
  return { terminalId, evalId, seq: Number(seq), chainHash };
}

export type SatisfactionCodes = 'gbt' | 'desc5';

/** 不满意 and 非常不满意, in the province's numbering. */
export function isBad(satisfaction: string, codes: SatisfactionCodes): boolean {
  return codes === 'gbt' ? satisfaction === '4' || satisfaction === '5' : satisfaction === '1' || satisfaction === '2';
}

const DIMENSIONS = ['serviceEfficiency', 'serviceLevel', 'serviceAttitude'];
/** The reason code of a 差评 whose citizen gave none (评价人未说明原因). */
export const NO_REASON = '000';

/**
 * `evalDetail` against the spec: tag codes, `Q:<id>=<y|n|u>`, `D:<dimension>=<1..5>`; a 差评 carries a reason (a tag,
 * a comment or `000`), and `000` stands alone, on a 差评, without a comment. Null when it is all right.
 */
export function evalDetailProblem(p: EvaluationPayload, codes: SatisfactionCodes): string | null {
  const entries = p.evalDetail ? p.evalDetail.split(',') : [];
  const tags: string[] = [];
  const dims = new Set<string>();
  for (const e of entries) {
    if (e.startsWith('Q:')) {
      if (!/^Q:[A-Za-z0-9_.-]+=[ynu]$/.test(e)) return `evalDetail 的问询答案 "${e}" 应为 Q:<id>=<y|n|u>`;
    } else if (e.startsWith('D:')) {
      const m = /^D:([A-Za-z]+)=([1-5])$/.exec(e);
      if (!m?.[1] || !DIMENSIONS.includes(m[1])) return `evalDetail 的维度评价 "${e}" 应为 D:<serviceEfficiency|serviceLevel|serviceAttitude>=<1..5>`;
      if (dims.has(m[1])) return `evalDetail 的维度 ${m[1]} 重复`;
      dims.add(m[1]);
    } else if (/^[A-Za-z0-9_-]{1,32}$/.test(e)) tags.push(e);
    else return `evalDetail 的标签代码 "${e}" 无效`;
  }
  const comment = (p.writingEvaluation ?? '').trim() !== '';
  const bad = isBad(p.satisfaction, codes);
  if (tags.includes(NO_REASON)) {
    if (!bad) return `evalDetail 的 ${NO_REASON}（评价人未说明原因）只用于差评`;
    if (tags.length > 1 || comment) return `evalDetail 的 ${NO_REASON}（评价人未说明原因）不能与其他原因同时出现`;
  }
  if (bad && tags.length === 0 && !comment) return `差评须说明原因：evalDetail 无标签代码，writingEvaluation 为空（未说明原因请填 ${NO_REASON}）`;
  return null;
}

/** A zod failure as the province words it: the field, then what is wrong. */
export function fieldProblem(error: z.ZodError): string {
  return (
    '参数校验失败：' +
    error.issues
      .map((i) => {
        const field = i.path.join('.');
        return i.code === 'unrecognized_keys' ? `多余的字段 ${i.keys.join('、')}` : `${field} ${i.message}`;
      })
      .join('；')
  );
}
