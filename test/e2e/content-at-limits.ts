import { BADGE } from '../helpers/fixtures.js';

/**
 * Every field a citizen screen shows at the maximum its schema allows (main/core/config.ts CONTENT_LIMITS, the local
 * API's items, staff names and titles): for the layout test and the screenshots of docs/screens/.
 */

/** `phrase` repeated to exactly `n` characters. */
export const fill = (phrase: string, n: number) => phrase.repeat(Math.ceil(n / phrase.length)).slice(0, n);

export const ITEMS = Array.from({ length: 20 }, (_, i) => ({
  taskCode: `T-${String(i).padStart(2, '0')}`,
  taskName: fill(`企业开办一件事第${String(i + 1)}项营业执照设立登记公章刻制申领发票社保登记住房公积金缴存登记`, 128),
  deptCode: `D-${String(i)}`,
  deptName: fill('三明市沙县区市场监督管理局行政审批服务科', 128),
}));

const TAGS = (level: number) =>
  Array.from({ length: 20 }, (_, i) => ({
    code: `${String(level)}${String(i).padStart(2, '0')}`,
    text: fill(`第${String(i + 1)}条：窗口工作人员办理业务时间过长等候太久`, 32),
  }));

export const LIMITS = {
  offlineConfig: {
    terminal: {
      hallName: fill('福建省三明市沙县区行政服务中心综合受理大厅', 64),
      windowName: fill('不动产登记与税费缴纳综合窗口', 32),
      staticQrUrl: `https://hcp.fujian.gov.cn/h5/window?terminal=T-350402-0001&window=A12&x=${'a'.repeat(512 - 72)}`,
    },
    staff: [{ staffId: 'SM0012', name: fill('阿卜杜热合曼·买买提艾力', 64), title: fill('不动产登记中心综合受理窗口首席代办员', 64), badgeIds: [BADGE] }],
    tags: { version: '9', byLevel: { '1': TAGS(1), '2': TAGS(2) } },
    questions: Array.from({ length: 10 }, (_, i) => ({
      id: `q${String(i)}`,
      text: fill(`第${String(i + 1)}问：工作人员是否一次性告知您需要提交的全部材料和办理流程`, 64),
    })),
  },
};
