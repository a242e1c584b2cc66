import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The resolve hook that lets Node's own type stripping load the project's `.ts` sources under their `.js` names. */
const HOOK = `
import { registerHooks } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); } catch (err) {
      if (!specifier.endsWith('.js') || !context.parentURL) throw err;
      const ts = new URL(specifier.replace(/\\.js$/, '.ts'), context.parentURL);
      if (!existsSync(fileURLToPath(ts))) throw err;
      return next(ts.href, context);
    }
  },
});
`;

/**
 * Runs `body` (an ES module's text, which may `await import(<a project .ts file>)` by absolute URL) in a fresh Node
 * with `env`: for what a process reads once at its start (the OS trust store), which a test cannot change in-process.
 * Resolves to its standard output.
 */
export function runTsChild(body: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', HOOK + body], { env, timeout: 30_000 }, (error, out, err) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, out, err });
    });
  });
}

/** A project source file as a URL a child may import. */
export function sourceUrl(rel: string): string {
  return new URL(`../../${rel}`, import.meta.url).href;
}

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
