/** Satisfaction numbers as province-api.md fixes them: 5 is the best. */
export type Level = 1 | 2 | 3 | 4 | 5;
export const LEVELS: readonly Level[] = [5, 4, 3, 2, 1];

export function isLevel(n: number): n is Level {
  return n === 1 || n === 2 || n === 3 || n === 4 || n === 5;
}

/** 差评: the bottom two levels (国办发〔2019〕51号). */
export function isBad(level: Level): boolean {
  return level <= 2;
}

/** Keypad keys run left to right from the best level: key 1 is 非常满意 (5). */
export function levelForKey(key: number): Level | null {
  const level = 6 - key;
  return isLevel(level) ? level : null;
}
