import { DEFAULT_LINK_TEMPLATE_PATH } from '../../sync/links.js';
import type { ProvisioningFile } from './schema.js';

/** The well-known local API token of demo terminals (documented in the README; demo mode binds to loopback). */
export const DEMO_TOKEN = 'demo-local-api-token-0001';
export const DEMO_BADGE = '0A1B2C3D4E';

/** The demo's province in the gov-form dialect: the simulator's published development key, GB/T 39046 numbering. */
export interface DemoGovForm {
  dialect: 'gov-form';
  sm2PublicKey: string;
}

/** How a demo hall rates (`serve --demo --surface`): the terminal's own buttons, or the province's page (province-page.md). */
export type DemoSurface = 'terminal' | 'province-page';
export const DEMO_SURFACES: readonly DemoSurface[] = ['terminal', 'province-page'];

/**
 * The demo simulator's page origin as provisioned: its page listens on 127.0.0.2 (the simulator's PAGE_HOST, another
 * host than the terminal's 127.0.0.1) at the API's port number. The runtime puts the simulator's actual origin in its
 * place once the simulator runs (as it does the simulator's address).
 */
export function demoPageOrigin(provinceBaseUrl: string): string {
  return `http://127.0.0.2:${new URL(provinceBaseUrl).port}`;
}

/** A demo hall for `serve --demo`: two staff members, tags and questions, so every screen can be tried. */
export function demoProvisioning(
  provinceBaseUrl: string,
  gov?: DemoGovForm,
  o: { surface?: DemoSurface | undefined; pageOrigin?: string | undefined } = {},
): ProvisioningFile {
  const surface = o.surface ?? 'terminal';
  const page =
    surface === 'province-page' ? { page: { origins: [o.pageOrigin ?? demoPageOrigin(provinceBaseUrl)], loadTimeoutMs: 5000, statusPollMs: 2000 } } : {};
  return {
    terminal: { terminalId: 'T-350402-DEMO', areaCode: '350402', hallCode: 'H01', windowCode: 'A12' },
    province: gov
      ? {
          dialect: 'gov-form',
          baseUrl: provinceBaseUrl,
          allowInsecureHttp: false,
          appMark: 'demo-app-mark',
          appWord: 'demo-app-word-not-for-production',
          sm2PublicKey: gov.sm2PublicKey,
          satisfactionCodes: 'gbt',
          ...page,
        }
      : {
          dialect: 'hcp-json',
          baseUrl: provinceBaseUrl,
          allowInsecureHttp: false,
          appKey: 'demo-app-key',
          appSecret: 'demo-app-secret-not-for-production',
          signAlg: 'HMAC-SM3',
          offlineLinkTemplate: provinceBaseUrl + DEFAULT_LINK_TEMPLATE_PATH,
          ...page,
        },
    devices: { keypad: { type: 'simulated' }, badge: { type: 'keyboard' } },
    localApi: { host: '127.0.0.1', port: 8720, token: DEMO_TOKEN, allowLan: false },
    technician: { pin: '135790', badgeIds: [] },
    voice: 'on',
    offlineConfig: {
      configVersion: 'demo-1',
      terminal: {
        areaCode: '350402',
        hallCode: 'H01',
        hallName: '三明市行政服务中心',
        windowCode: 'A12',
        windowName: '12号窗口',
        staticQrUrl: `${provinceBaseUrl}/m/w?t=T-350402-DEMO`,
      },
      staff: [
        { staffId: 'SM0012', name: '张三', title: '综合窗口', badgeIds: [DEMO_BADGE], pin: '1234' },
        { staffId: 'SM0013', name: '李四', title: '综合窗口', badgeIds: ['0A1B2C3D4F'], pin: '5678' },
      ],
      tasks: [{ taskCode: '11350400MB0000001X', taskName: '营业执照变更登记', deptCode: 'SC', deptName: '市场监督管理局' }],
      tags: {
        version: '3',
        byLevel: {
          '5': [
            { code: '501', text: '服务态度好' },
            { code: '502', text: '办事效率高' },
          ],
          '4': [{ code: '401', text: '服务态度好' }],
          '2': [
            { code: '201', text: '等候时间长' },
            { code: '202', text: '解释不清楚' },
          ],
          '1': [
            { code: '101', text: '办事效率低' },
            { code: '102', text: '服务态度差' },
            { code: '103', text: '材料要求多' },
          ],
        },
      },
      questions: [
        { id: 'guide', text: '服务指引是否清晰' },
        { id: 'process', text: '办事程序是否便利' },
      ],
      rating: {
        scale: 'manyi',
        timeoutSeconds: 30,
        followUpTimeoutSeconds: 60,
        dimensions: false,
        followUp: 'bad',
        requireReasonForBad: false,
        requireInvitation: true,
        defaultAfterDays: null,
        defaultAfterWorkingDays: null,
        holidays: [],
        workdays: [],
        surface,
      },
      display: { dimAfterSeconds: 120, blankAfterSeconds: 600 },
    },
  };
}
