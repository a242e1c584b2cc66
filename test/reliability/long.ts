/** The reliability suite's long variants run with HCP_RELIABILITY_LONG=1 (see docs/reliability.md); CI runs the short ones. */
export const LONG = process.env['HCP_RELIABILITY_LONG'] === '1';
