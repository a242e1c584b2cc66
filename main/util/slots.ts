/**
 * At most `max` holders at once (event streams, bridge watchers): `take()` gives a release, or null when all are
 * taken. A release frees its place once, however often it is called (a socket may report both error and close).
 */
export function slots(max: number): { take(): (() => void) | null; readonly used: number } {
  let used = 0;
  return {
    take() {
      if (used >= max) return null;
      used += 1;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        used -= 1;
      };
    },
    get used() {
      return used;
    },
  };
}
