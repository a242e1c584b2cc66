import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TerminalView } from '../../../main/bridge/contract.js';
import { useUi } from '../context.js';
import { secondsLeft, useTerminalNow } from '../hooks.js';
import { maskPhone, MOBILE_PHONE } from '../../../main/bridge/formats.js';
import { TypingPanel } from '../keyboard/TypingPanel.js';
import { Phrases } from '../components/Phrases.js';

/** Typing keeps the follow-up open; the terminal hears of it at most this often. */
const ACTIVITY_EVERY_MS = 5_000;

type Answer = 'y' | 'n' | 'u';
type Dims = { serviceEfficiency: number; serviceLevel: number; serviceAttitude: number };
const DIMS = ['serviceEfficiency', 'serviceLevel', 'serviceAttitude'] as const;

export function FollowUp({ view, session }: { view: TerminalView; session: NonNullable<TerminalView['session']> }) {
  const { t } = useTranslation();
  const send = useUi((s) => s.send);
  const request = useUi((s) => s.request);
  const busy = useUi((s) => s.busy);
  const [typing, setTyping] = useState<'comment' | 'phone' | null>(null);
  const lastActivity = useRef(0);
  const typed = (set: (v: string) => void) => (v: string) => {
    set(v);
    if (Date.now() - lastActivity.current < ACTIVITY_EVERY_MS) return;
    lastActivity.current = Date.now();
    void request({ type: 'followUpActivity', sessionId: session.sessionId });
  };
  const f = session.followUp;
  const now = useTerminalNow(1000);
  const [tags, setTags] = useState<string[]>([]);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [comment, setComment] = useState('');
  const [phone, setPhone] = useState('');
  const [dims, setDims] = useState<Partial<Dims>>({});
  const [missing, setMissing] = useState(false);
  if (!f) return null;
  const bad = session.chosen !== null && session.chosen <= 2;
  const hasReason = tags.length > 0 || comment.trim() !== '';
  const dimsComplete = DIMS.every((d) => dims[d] !== undefined);

  const submit = () => {
    if (f.reasonRequired && !hasReason) {
      setMissing(true);
      return;
    }
    void send({
      type: 'submitFollowUp',
      sessionId: session.sessionId,
      tags,
      answers,
      comment,
      ...(f.phoneAllowed && MOBILE_PHONE.test(phone) ? { phone } : {}),
      ...(f.dimensions && dimsComplete ? { dimensions: dims as Dims } : {}),
    });
  };

  return (
    <main className="screen follow-up">
      <h1 className="fu-title">
        <Phrases text={bad ? t('followUp.titleBad') : t('followUp.titleAll')} locale={view.locale} />
      </h1>
      <div className="fu-body">
        <div className="fu-choices">
          {f.dimensions && (
            <section className="fu-section" aria-label={t('followUp.dimensions')}>
              {DIMS.map((d) => (
                <div className="fu-row" key={d}>
                  <span className="fu-row-label">{t(`followUp.${d}`)}</span>
                  <div className="segmented" role="radiogroup" aria-label={t(`followUp.${d}`)}>
                    {[5, 4, 3, 2, 1].map((l) => (
                      <button
                        key={l}
                        type="button"
                        role="radio"
                        aria-checked={dims[d] === l}
                        className={`seg level-${l}`}
                        onClick={() => setDims({ ...dims, [d]: l })}
                      >
                        {t(`levels.${view.scale}.${l}`)}
                      </button>
                    ))}
                  </div>
                </div>
              ))}
            </section>
          )}
          {f.tags.length > 0 && (
            <section className="fu-section" aria-label={t('followUp.tagsHint')}>
              <div className="chips">
                {f.tags.map((tag) => {
                  const on = tags.includes(tag.code);
                  return (
                    <button
                      key={tag.code}
                      type="button"
                      className="chip"
                      aria-pressed={on}
                      onClick={() => setTags(on ? tags.filter((x) => x !== tag.code) : [...tags, tag.code])}
                    >
                      {tag.text}
                    </button>
                  );
                })}
              </div>
            </section>
          )}
          {f.questions.length > 0 && (
            <section className="fu-section" aria-label={t('followUp.questions')}>
              {f.questions.map((q) => (
                <div className="fu-row" key={q.id}>
                  <span className="fu-row-label">
                    <Phrases text={q.text} locale={view.locale} />
                  </span>
                  <div className="segmented" role="radiogroup" aria-label={q.text}>
                    {(['y', 'n', 'u'] as const).map((a) => (
                      <button
                        key={a}
                        type="button"
                        role="radio"
                        aria-checked={answers[q.id] === a}
                        className="seg"
                        onClick={() => setAnswers({ ...answers, [q.id]: a })}
                      >
                        {t(a === 'y' ? 'followUp.yes' : a === 'n' ? 'followUp.no' : 'followUp.unsure')}
                      </button>
                    ))}
                  </div>
                </div>
              ))}
            </section>
          )}
        </div>
        <div className="fu-fields">
          {/* Each field is named by its label and what it shows (WCAG 2.5.3): “点此输入” said aloud reaches it. */}
          {(f.tags.length > 0 || f.questions.length > 0 || bad) && (
            <div className="fu-field">
              <span id="fu-comment">{t('followUp.comment')}</span>
              <button type="button" className="fu-input" aria-labelledby="fu-comment fu-comment-value" onClick={() => setTyping('comment')}>
                <span id="fu-comment-value">{comment || t('followUp.tapToType')}</span>
              </button>
            </div>
          )}
          {f.phoneAllowed && (
            <div className="fu-field">
              <span id="fu-phone">{t('followUp.phone')}</span>
              {/* Once typed, the number shows masked (screens.md); it is stored encrypted. */}
              <button type="button" className="fu-input" aria-labelledby="fu-phone fu-phone-value" onClick={() => setTyping('phone')}>
                <span id="fu-phone-value" data-testid="phone-shown">
                  {phone ? maskPhone(phone) : t('followUp.tapToType')}
                </span>
              </button>
              <small>{t('followUp.phonePrivacy')}</small>
            </div>
          )}
        </div>
      </div>
      {missing && !hasReason && (
        <p className="invite-error" role="alert">
          {t('followUp.reasonRequired')}
        </p>
      )}
      <div className="fu-actions">
        {!f.reasonRequired && (
          <button type="button" className="btn secondary" disabled={busy} onClick={() => void send({ type: 'skipFollowUp', sessionId: session.sessionId })}>
            {t('followUp.skip')}
          </button>
        )}
        <button type="button" className="btn primary" disabled={busy} onClick={submit}>
          {t('followUp.submit')}
        </button>
      </div>
      <p className="fu-remaining">{t('followUp.remaining', { s: secondsLeft(f.expiresAt, now) })}</p>
      {typing === 'comment' && (
        <TypingPanel
          label={t('followUp.comment')}
          value={comment}
          kind={view.locale.startsWith('zh') ? 'chinese' : 'latin'}
          maxLength={500}
          multiline
          onChange={typed(setComment)}
          onDone={() => setTyping(null)}
        />
      )}
      {typing === 'phone' && (
        <TypingPanel label={t('followUp.phone')} value={phone} kind="phone" maxLength={11} onChange={typed(setPhone)} onDone={() => setTyping(null)} />
      )}
    </main>
  );
}
