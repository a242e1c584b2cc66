/**
 * The keypad's key codes and how they map to satisfaction levels (keypad-serial-protocol.md). The one place
 * that knows them: drivers, the keypad controller, the bridge contract and the demo keypad all read them here.
 * Pure and import-free, so the renderer may import it too.
 */

/** Rating keys run left to right from the best level: key 1 is 非常满意 (5), key 5 非常不满意 (1). */
export const RATING_KEYS = [1, 2, 3, 4, 5] as const;
export const INVITE_KEY = 0x10;
export const PAUSE_RESUME_KEY = 0x11;
export const KEYPAD_KEYS = [...RATING_KEYS, INVITE_KEY, PAUSE_RESUME_KEY] as const;
export type KeypadKey = (typeof KEYPAD_KEYS)[number];

export type KeyLevel = 1 | 2 | 3 | 4 | 5;

export function levelForKey(key: number): KeyLevel | null {
  const level = 6 - key;
  return level >= 1 && level <= 5 && Number.isInteger(level) ? (level as KeyLevel) : null;
}

export function keyForLevel(level: KeyLevel): number {
  return 6 - level;
}

/** What a key asks the terminal to do; the core receives these intents, never raw codes. */
export type KeyIntent = { kind: 'invite' } | { kind: 'toggle-pause' } | { kind: 'choose'; level: KeyLevel } | null;

export function intentForKey(key: number): KeyIntent {
  if (key === INVITE_KEY) return { kind: 'invite' };
  if (key === PAUSE_RESUME_KEY) return { kind: 'toggle-pause' };
  const level = levelForKey(key);
  return level ? { kind: 'choose', level } : null;
}
