import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN, tempDir } from '../helpers/fixtures.js';
import { runCommand } from '../helpers/process.js';
import { expect, openKiosk, test } from './terminal-fixture.js';

const STAFF_PIN = '583914';
const TECHNICIAN_PIN = '730261';
const APP_SECRET = 'app-secret-123456';
const PHONE = '13912345678';
const APPLICANT_PHONE = '13800138000';
const ID_NUMBER = '350402199001011234';
const SECRETS = {
  'app secret': APP_SECRET,
  'API token': TOKEN,
  'staff PIN': STAFF_PIN,
  'technician PIN': TECHNICIAN_PIN,
  phone: PHONE,
  'applicant phone': APPLICANT_PHONE,
  'ID number': ID_NUMBER,
};

test.use({ provisioning: { staffPin: STAFF_PIN, technicianPin: TECHNICIAN_PIN } });

/** Which of the known secrets appear in a file, as UTF-8 text or as raw bytes. */
function leaks(path: string): string[] {
  if (!existsSync(path)) return [];
  const bytes = readFileSync(path);
  return Object.entries(SECRETS)
    .filter(([, secret]) => bytes.includes(Buffer.from(secret)))
    .map(([what]) => `${what} in ${path}`);
}

test('after a PIN login, an applicant with an ID number and phone, and a 差评 with a call-back phone typed on screen, no secret is in plaintext on disk', async ({
  page,
  hcp,
}) => {
  const { api, terminal, keyDir } = hcp;
  expect((await api.post('/staff/login', { staffId: 'SM0012', pin: STAFF_PIN })).status).toBe(200);
  await openKiosk(page, terminal);
  const opened = await api.post('/sessions', { projectNo: 'BJ-77', applicant: { name: '王小明', userProp: 1, certKey: ID_NUMBER, mobile: APPLICANT_PHONE } });
  const { sessionId } = opened.body as { sessionId: string };
  await page.getByRole('button', { name: '不满意', exact: true }).click();
  await expect(page.getByRole('heading', { name: /请告诉我们原因/ })).toBeVisible();
  await page.getByRole('button', { name: '等候时间长' }).click();
  // Typed on the screen's number pad, as a citizen at a touch-only terminal does.
  await page.getByRole('button', { name: /手机/ }).click();
  for (const d of PHONE) await page.getByTestId('on-screen-keyboard').locator(`[data-skbtn="${d}"]`).click();
  await page.getByTestId('on-screen-keyboard').locator('[data-skbtn="{done}"]').click();
  await page.getByRole('button', { name: '提交' }).click();
  await expect(page.getByText('感谢您的评价')).toBeVisible();
  expect((await api.get(`/sessions/${sessionId}`)).body).toMatchObject({ status: 'rated', satisfaction: 2 });

  const data = terminal.dataDir;
  const files = ['logs/terminal.log', 'hcp-terminal.db', 'hcp-terminal.db-wal', 'kiosk/launch.html'].map((f) => join(data, f));
  const running = files.flatMap(leaks);
  const out = join(tempDir().path, 'bundle.json');
  const exported = runCommand(['export', '--data-dir', data, '--out', out], { HCP_KEY_DIR: keyDir });
  expect(exported.code, exported.stderr).toBe(0);
  await terminal.stop();
  const stopped = [...files, out].flatMap(leaks);
  expect(running).toEqual([]);
  expect(stopped).toEqual([]);
  // The record carries the phone, encrypted for the province.
  expect(readFileSync(out, 'utf8')).toMatch(/"mobile":"sm2:04/);
});
