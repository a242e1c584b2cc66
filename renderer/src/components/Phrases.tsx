import { Fragment, memo, useMemo } from 'react';

/**
 * Text that wraps only between words. Chinese has no spaces, so a browser may break it after any character
 * (请您对本次服务作 / 出评价); Intl.Segmenter (ICU's dictionary) finds the words, a break is offered before each one
 * (`<wbr>`), and `.phrases` forbids the others. A word longer than the whole line still wraps rather than overflow.
 * Memoised: the screens around it re-render on a tap (the pressed level), its text does not change.
 */
export const Phrases = memo(function Phrases({ text, locale }: { text: string; locale: string }) {
  const words = useMemo(() => {
    const out: string[] = [];
    for (const s of new Intl.Segmenter(locale, { granularity: 'word' }).segment(text)) {
      // Punctuation and spaces stay with the word before them: no line starts with “、” or “：”.
      const before = out.pop();
      if (before === undefined) out.push(s.segment);
      else if (s.isWordLike === true) out.push(before, s.segment);
      else out.push(before + s.segment);
    }
    return out;
  }, [text, locale]);
  return (
    <span className="phrases">
      {words.map((w, i) => (
        // The words of one fixed text: their order is their identity.
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {w}
        </Fragment>
      ))}
    </span>
  );
});
