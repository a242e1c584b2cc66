import { z } from 'zod';

const level = z.number().int().min(1).max(5);
const cstTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

/** One evaluation record as province-api.md defines it (the default adapter's wire format). */
export const evaluationRecordSchema = z.strictObject({
  evalId: z.uuid(),
  seq: z.number().int().min(1),
  chainHash: z.string().regex(/^[0-9a-f]{64}$/),
  terminalId: z.string().min(1),
  areaCode: z.string().regex(/^(\d{6}|\d{12})$/),
  hallCode: z.string().min(1),
  windowCode: z.string().min(1),
  pf: z.enum(['3', '4', '5']),
  satisfaction: level,
  dimensions: z.strictObject({ serviceEfficiency: level, serviceLevel: level, serviceAttitude: level }).optional(),
  evalDetail: z.string().optional(),
  evalDetailVersion: z.string().optional(),
  writingEvaluation: z.string().max(500).optional(),
  assessTime: cstTime,
  clockTrusted: z.boolean(),
  assessNumber: z.union([z.literal(1), z.literal(2)]),
  evaluateType: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  proManager: z.string().min(1),
  proManagerName: z.string().min(1),
  projectNo: z.string().max(50).optional(),
  taskCode: z.string().optional(),
  taskName: z.string().optional(),
  deptCode: z.string().optional(),
  deptName: z.string().optional(),
  groupId: z.string().optional(),
  userName: z.string().optional(),
  userProp: z.union([z.literal(1), z.literal(2)]).optional(),
  certKey: z.string().startsWith('sm2:').optional(),
  mobile: z.string().startsWith('sm2:').optional(),
  flags: z.array(z.enum(['uninvited', 'fast', 'burst'])),
  /**
   * The terminal's own: when the invitation opened (CST), which a `gov-form` province's service record needs. Kept
   * in the outbox and in a `gov-form` terminal's export bundle; never sent in `hcp-json`, whose record has no such field.
   */
  serviceTime: cstTime.optional(),
});

export type EvaluationRecord = z.infer<typeof evaluationRecordSchema>;
/** What a caller hands the outbox: everything but the numbering, which the outbox owns. */
export type NewRecord = Omit<EvaluationRecord, 'seq' | 'chainHash'>;
export type RecordPatch = Partial<Pick<EvaluationRecord, 'dimensions' | 'evalDetail' | 'evalDetailVersion' | 'writingEvaluation' | 'mobile'>>;

/** The record as province-api.md knows it: the terminal's own fields left out. */
export function hcpJsonRecord(r: EvaluationRecord): Omit<EvaluationRecord, 'serviceTime'> {
  const { serviceTime: _serviceTime, ...wire } = r;
  return wire;
}
