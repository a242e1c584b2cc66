/** Satisfaction numbers as province-api.md fixes them: 5 is the best. */
export type Level = 1 | 2 | 3 | 4 | 5;

export function isLevel(n: number): n is Level {
  return n === 1 || n === 2 || n === 3 || n === 4 || n === 5;
}

/** 差评: the bottom two levels (国办发〔2019〕51号). */
export function isBad(level: Level): boolean {
  return level <= 2;
}

/** The lowest of several levels: a per-item session's satisfaction is its worst page. */
export function minLevel(levels: readonly Level[]): Level {
  return levels.reduce<Level>((a, b) => (b < a ? b : a), 5);
}
