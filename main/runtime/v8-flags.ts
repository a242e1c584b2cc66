/**
 * V8 flags for the terminal's Node process (the systemd unit, `npm start`, and the bench and soak that measure it).
 * A 1 MiB young generation instead of V8's 16 MiB semi-spaces: the terminal allocates a little per rating and keeps
 * almost none of it, so a small nursery is collected as often as needed and resident memory stays flat (about
 * 105 MiB) instead of climbing towards 160 MiB before V8 bothers to collect (docs/performance.md, memory).
 * A 512 MiB old generation instead of V8's default 4 GiB: V8 lets the old generation grow to up to four times what
 * survived the last full collection when its limit is that far away, and to about 1.4 times with a limit of 512 MiB
 * (issue 27: 260 MiB against 99 MiB of old space for the same 35 MiB kept). The terminal keeps 25–35 MiB, so the
 * limit is 15 times that: a collection comes sooner, never an out-of-memory stop (docs/performance.md, memory).
 */
export const TERMINAL_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--max-old-space-size=512'];

/**
 * glibc's allocator settings for the terminal's process, read by glibc once at start (so in the systemd unit's
 * environment, and the bin re-executes `serve` with them where they are missing). Each thread that allocates gets
 * an arena of its own, up to 8 per core, and keeps what it freed: libuv's pool and V8's helper threads made 8–10 of
 * them (14–18 MiB). Two arenas serve the terminal's one JavaScript thread and its helpers. A fixed trim threshold
 * turns off glibc's sliding one (after a large buffer is freed it keeps up to 64 MiB of freed memory at the top of
 * the heap): 128 KiB, glibc's starting value, so freed memory goes back to the system. An operator's own value in
 * the environment is kept.
 * Blocks of 32 KiB and more get a mapping of their own, given back when freed (glibc's default is 128 KiB): the
 * compilers' zones and the buffers of a request or a statement are freed in another order than they were taken, and
 * glibc gives back only the top of its heap, so their holes stayed resident: after 4,000 ratings glibc's heaps held
 * 21–34 MiB in eight runs (16 in use after 300, by heaptrack); with this 18–20 in six (issue 27, docs/performance.md,
 * "The terminal's memory in the kiosk, third pass").
 */
export const TERMINAL_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '32768',
};
