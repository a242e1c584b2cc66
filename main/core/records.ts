import type { EvaluationRecord, NewRecord } from '../../sync/record.js';
import type { Level } from './levels.js';
import type { SessionItem } from './session.js';

export type Flag = EvaluationRecord['flags'][number];
export type Pf = '4' | '5';

export interface Where {
  terminalId: string;
  areaCode: string;
  hallCode: string;
  windowCode: string;
}

export interface RecordInput {
  where: Where;
  sessionId: string;
  staff: { staffId: string; name: string };
  level: Level;
  pf: Pf;
  at: string;
  /** When the invitation opened (CST): a gov-form province's service record needs it. */
  serviceTime?: string | undefined;
  clockTrusted: boolean;
  projectNo: string | null;
  item: SessionItem | null;
  applicant: { userName?: string | undefined; userProp?: 1 | 2 | undefined; certKey?: string | undefined; mobile?: string | undefined } | null;
  flags: Flag[];
  /** 1 主动评价 (default), 3 默认评价 generated after the province's no-rating period. */
  evaluateType?: 1 | 3;
}

export function buildRecord(i: RecordInput, evalId: string): NewRecord {
  return {
    evalId,
    ...i.where,
    pf: i.pf,
    satisfaction: i.level,
    assessTime: i.at,
    clockTrusted: i.clockTrusted,
    assessNumber: 1,
    evaluateType: i.evaluateType ?? 1,
    proManager: i.staff.staffId,
    proManagerName: i.staff.name,
    ...(i.projectNo ? { projectNo: i.projectNo } : {}),
    ...(i.item ? { taskCode: i.item.taskCode, taskName: i.item.taskName, deptCode: i.item.deptCode, deptName: i.item.deptName } : {}),
    groupId: i.sessionId,
    ...(i.applicant?.userName ? { userName: i.applicant.userName } : {}),
    ...(i.applicant?.userProp ? { userProp: i.applicant.userProp } : {}),
    ...(i.applicant?.certKey ? { certKey: i.applicant.certKey } : {}),
    ...(i.applicant?.mobile ? { mobile: i.applicant.mobile } : {}),
    flags: i.flags,
    ...(i.serviceTime ? { serviceTime: i.serviceTime } : {}),
  };
}

/** Tag codes, then questionnaire answers as `Q:<id>=<y|n|u>` (province-api.md). */
export function evalDetail(tags: readonly string[], answers: Readonly<Record<string, 'y' | 'n' | 'u'>>): string {
  return [...tags, ...Object.entries(answers).map(([id, a]) => `Q:${id}=${a}`)].join(',');
}
