/**
 * V8 flags for the terminal's Node process (the systemd unit, `npm start`, and the bench and soak that measure it).
 * A 1 MiB young generation instead of V8's 16 MiB semi-spaces: the terminal allocates a little per rating and keeps
 * almost none of it, so a small nursery is collected as often as needed and resident memory stays flat (about
 * 105 MiB) instead of climbing towards 160 MiB before V8 bothers to collect (docs/performance.md, memory).
 */
export const TERMINAL_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
