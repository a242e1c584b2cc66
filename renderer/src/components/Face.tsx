import { memo } from 'react';

/** A simple face per level, drawn as SVG so it looks the same on every device (no emoji fonts). */
const MOUTHS: Record<number, string> = {
  5: 'M30 58 Q50 80 70 58',
  4: 'M32 60 Q50 72 68 60',
  3: 'M34 64 L66 64',
  2: 'M32 68 Q50 58 68 68',
  1: 'M30 72 Q50 52 70 72',
};

/** Memoised: a tap re-renders the five buttons (the pressed one, the dimmed others), never their faces. */
export const Face = memo(function Face({ level }: { level: number }) {
  return (
    <svg className="face" viewBox="0 0 100 100" aria-hidden="true" focusable="false">
      <circle cx="50" cy="50" r="44" fill="none" stroke="currentColor" strokeWidth="6" />
      <circle cx="35" cy="40" r="5.5" fill="currentColor" />
      <circle cx="65" cy="40" r="5.5" fill="currentColor" />
      {level === 1 && <path d="M26 28 L42 34 M74 28 L58 34" stroke="currentColor" strokeWidth="5" strokeLinecap="round" />}
      <path d={MOUTHS[level] ?? MOUTHS[3]} fill="none" stroke="currentColor" strokeWidth="6" strokeLinecap="round" />
    </svg>
  );
});
