import { readFileSync } from 'node:fs';
import { parseFaults } from '../../sync/province-sim/faults.js';
import { DEMO_SM2_PRIVATE_KEY } from '../../sync/province-sim/demo-keys.js';
import { startGovFormSim } from '../../sync/province-sim/gov-form-sim.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { parseCommandArgs, portArg, UsageError } from './args.js';

/**
 * `hcp-terminal province-sim`: the development province, in either dialect (`--dialect hcp-json|gov-form`), with
 * fault injection (`--faults`, or POST /sim/faults).
 */
export async function provinceSim(argv: string[]): Promise<number> {
  const a = parseCommandArgs(
    argv,
    {
      port: { type: 'string' },
      faults: { type: 'string' },
      dialect: { type: 'string' },
      'app-key': { type: 'string' },
      'app-secret': { type: 'string' },
      config: { type: 'string' },
      'app-mark': { type: 'string' },
      'app-word': { type: 'string' },
      'sm2-private-key': { type: 'string' },
      'satisfaction-codes': { type: 'string' },
      'page-host': { type: 'string' },
    },
    [],
  );
  let faults;
  try {
    faults = parseFaults(a.string('faults') ?? '');
  } catch (err) {
    throw new UsageError(`--faults: ${(err as Error).message}`);
  }
  const port = portArg(a.string('port')) ?? 8721;
  const dialect = a.string('dialect') ?? 'hcp-json';
  // province-page.md: the evaluation page listens on another loopback address than the API (PAGE_HOST by default).
  const pageHost = a.string('page-host');
  if (pageHost !== undefined && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(pageHost))
    throw new UsageError(`--page-host must be a loopback address such as 127.0.0.2, not "${pageHost}"`);
  const page = pageHost ? { pageHost } : {};
  let ready: Record<string, string>;
  let close: () => Promise<void>;
  if (dialect === 'gov-form') {
    const codes = a.string('satisfaction-codes') ?? 'desc5';
    if (codes !== 'gbt' && codes !== 'desc5') throw new UsageError(`--satisfaction-codes must be gbt or desc5, not "${codes}"`);
    const key = a.string('sm2-private-key') ?? DEMO_SM2_PRIVATE_KEY;
    if (!/^[0-9a-f]{64}$/.test(key)) throw new UsageError('--sm2-private-key must be 64 lower-case hex characters');
    const sim = await startGovFormSim({
      port,
      apps: [{ appMark: a.string('app-mark') ?? 'demo-app-mark', appWord: a.string('app-word') ?? 'demo-app-word-not-for-production' }],
      sm2PrivateKey: key,
      satisfactionCodes: codes,
      faults,
      ...page,
    });
    ready = {
      url: sim.url,
      sm2PublicKey: sim.sm2PublicKey,
      offlinePageTemplate: sim.offlinePageTemplate,
      pageOrigin: sim.pageOrigin,
      state: `${sim.origin}/sim/state`,
    };
    close = () => sim.close();
  } else if (dialect === 'hcp-json') {
    let config: Record<string, unknown> | undefined;
    const configFile = a.string('config');
    if (configFile) {
      try {
        config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new UsageError(`--config: ${(err as Error).message}`);
      }
    }
    const sim = await startProvinceSim({
      port,
      apps: [{ appKey: a.string('app-key') ?? 'demo-app-key', appSecret: a.string('app-secret') ?? 'demo-app-secret-not-for-production' }],
      faults,
      ...page,
      ...(config ? { config } : {}),
    });
    ready = { url: sim.url, pageOrigin: sim.pageOrigin };
    close = () => sim.close();
  } else throw new UsageError(`--dialect must be hcp-json or gov-form, not "${dialect}"`);
  process.stdout.write(JSON.stringify({ event: 'ready', dialect, ...ready }) + '\n');
  return new Promise((resolve) => {
    const stop = () => void close().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
