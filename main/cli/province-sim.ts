import { readFileSync } from 'node:fs';
import { parseFaults } from '../../sync/province-sim/faults.js';
import { startProvinceSim } from '../../sync/province-sim/simulator.js';
import { parseCommandArgs, portArg, UsageError } from './args.js';

/** `hcp-terminal province-sim`: the development province, with fault injection (`--faults`, or POST /sim/faults). */
export async function provinceSim(argv: string[]): Promise<number> {
  const a = parseCommandArgs(
    argv,
    { port: { type: 'string' }, faults: { type: 'string' }, 'app-key': { type: 'string' }, 'app-secret': { type: 'string' }, config: { type: 'string' } },
    [],
  );
  let faults;
  try {
    faults = parseFaults(a.string('faults') ?? '');
  } catch (err) {
    throw new UsageError(`--faults: ${(err as Error).message}`);
  }
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
    port: portArg(a.string('port')) ?? 8721,
    apps: [{ appKey: a.string('app-key') ?? 'demo-app-key', appSecret: a.string('app-secret') ?? 'demo-app-secret-not-for-production' }],
    faults,
    ...(config ? { config } : {}),
  });
  process.stdout.write(JSON.stringify({ event: 'ready', url: sim.url }) + '\n');
  return new Promise((resolve) => {
    const stop = () => void sim.close().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
