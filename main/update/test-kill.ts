/** The steps of an install, in order, where a test may cut the power (kill -9 of this very process). */
export type InstallStep = 'verified' | 'checked' | 'space' | 'copying' | 'copied' | 'placed' | 'state' | 'switched';

/**
 * HCP_TEST_KILL_AT=<step> with HCP_TEST_HOOKS=1 makes the process SIGKILL itself at that step: the power cut of the
 * install tests, at a known point instead of a lucky one. Nothing in the package sets either variable.
 */
export function installStep(step: InstallStep): void {
  if (process.env['HCP_TEST_HOOKS'] === '1' && process.env['HCP_TEST_KILL_AT'] === step) process.kill(process.pid, 'SIGKILL');
}
