import { ProvisioningError } from '../provisioning/apply.js';
import { DataDirError } from '../store/errors.js';
import { StartupError, UsageError } from './args.js';

const USAGE = `usage:
  hcp-terminal serve --data-dir DIR [--config FILE] [--port N] [--demo [--dialect hcp-json|gov-form]] [--usb-root DIR] [--releases-dir DIR [--kiosk]]
  hcp-terminal provision --data-dir DIR --file FILE
  hcp-terminal status --data-dir DIR
  hcp-terminal export --data-dir DIR --out FILE [--with-names] [--include-held] [--with-relayed]
  hcp-terminal import --data-dir DIR --file BUNDLE
  hcp-terminal kiosk --data-dir DIR [--browser PATH]
  hcp-terminal install-service --data-dir DIR [--user USER] [--kiosk-user USER [--kiosk-group GROUP]] [--port N] [--print] [--unit-dir DIR] [--autostart-dir DIR]
  hcp-terminal province-sim [--port N] [--faults SPEC] [--dialect hcp-json|gov-form] [--satisfaction-codes gbt|desc5]
  hcp-terminal update --file FILE [--data-dir DIR] [--releases-dir DIR]
  hcp-terminal update --spool DIR --data-dir DIR [--releases-dir DIR]
  hcp-terminal releases [--data-dir DIR] [--releases-dir DIR]
  hcp-terminal rollback [--data-dir DIR] [--releases-dir DIR]`;

/**
 * Exit codes of terminal-cli.md: 0 done, 2 invalid arguments or provisioning file, 3 unusable data directory, 4 a refused
 * update file. Each command is loaded when asked for: `serve` on a half-a-core kiosk does not parse the province simulator, the exporter or the installer before its ready line (docs/performance.md), and `update` and `releases` need not load fastify or the drivers.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await (await import('./serve.js')).serve(rest);
      case 'provision':
        return await (await import('./provision.js')).provision(rest);
      case 'status':
        return (await import('./status.js')).status(rest);
      case 'export':
        return await (await import('./export.js')).exportRecords(rest);
      case 'import':
        return await (await import('./import.js')).importBundle(rest);
      case 'install-service':
        return (await import('./install-service.js')).installService(rest);
      case 'kiosk':
        return await (await import('./kiosk.js')).kiosk(rest);
      case 'update':
        return await (await import('./update.js')).update(rest);
      case 'releases':
        return await (await import('./update.js')).releases(rest);
      case 'rollback':
        return await (await import('./update.js')).rollback(rest);
      case 'province-sim':
        return await (await import('./province-sim.js')).provinceSim(rest);
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`hcp-terminal: ${err.message}\n${err.showUsage ? `${USAGE}\n` : ''}`);
      return 2;
    }
    if (err instanceof ProvisioningError) {
      process.stderr.write(`hcp-terminal: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StartupError) {
      process.stderr.write(`hcp-terminal: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof DataDirError) {
      process.stderr.write(`hcp-terminal: ${err.message}\n`);
      return 3;
    }
    process.stderr.write(`hcp-terminal: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
if (code !== 0) process.exit(code);
