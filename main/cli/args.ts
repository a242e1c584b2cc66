import { parseArgs } from 'node:util';

/** Wrong command-line arguments (exit code 2). */
export class UsageError extends Error {
  constructor(
    message: string,
    /** False for a value that is wrong in itself (a missing folder, an unreadable file): one line says it all. */
    readonly showUsage = true,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A start-up failure that is neither of the above but still has an exit code of terminal-cli.md (2 or 3). */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

type Spec = Record<string, { type: 'string' | 'boolean' }>;

/** Parsed options: strings for string options, true for flags given. */
export class Args {
  constructor(private readonly values: Record<string, string | boolean | undefined>) {}

  string(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** A string option that parseCommandArgs already checked is present. */
  required(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }
}

export function parseCommandArgs(argv: string[], spec: Spec, required: string[]): Args {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  for (const name of required) {
    if (values[name] === undefined || values[name] === '') throw new UsageError(`--${name} is required`);
  }
  return new Args(values);
}

export function portArg(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not "${raw}"`);
  return n;
}
