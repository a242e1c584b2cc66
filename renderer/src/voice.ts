import { useEffect, useRef } from 'react';
import type { TerminalView } from '../../main/bridge/contract.js';

/** Clips the terminal speaks (renderer/public/voice/<locale>/, or a province's pack in the data directory). */
export type Clip = 'welcome' | 'please-rate' | 'thanks' | 'paused' | `level-${'manyi' | 'haocha'}-${1 | 2 | 3 | 4 | 5}`;

/** Clips are recorded in these languages; another language speaks Simplified Chinese (zh-TW reads the same words). */
const SPOKEN = ['zh-CN', 'en'];

/**
 * Plays clips one after another, never two at once; nothing waits for it, so a press is never delayed. A new prompt
 * replaces whatever still waits (the clip playing ends first): prompts coming faster than clips play (a busy window,
 * a citizen pressing quickly) would otherwise leave the screen speaking stale words for minutes.
 */
export class Speaker {
  private queue: string[] = [];
  private playing = false;

  say(url: string, times: number): void {
    this.queue = Array.from({ length: times }, () => url);
    if (!this.playing) this.next();
  }

  private next(): void {
    const url = this.queue.shift();
    this.playing = url !== undefined;
    if (url === undefined) return;
    const audio = new Audio(url);
    const done = () => this.next();
    audio.onended = done;
    audio.onerror = done;
    // No sound device, or a browser that refuses to play: the screen works the same without voice.
    audio.play().catch(done);
  }
}

const speaker = new Speaker();

export function voiceOn(view: Pick<TerminalView, 'voice' | 'elderly'>): boolean {
  return view.voice === 'on' || (view.voice === 'elderly-only' && view.elderly);
}

/** Speaks a clip in the citizen's language, twice in elderly mode (长辈模式: prompts repeated once). */
export function speak(view: Pick<TerminalView, 'voice' | 'elderly' | 'locale'>, clip: Clip): void {
  if (!voiceOn(view)) return;
  const locale = SPOKEN.includes(view.locale) ? view.locale : 'zh-CN';
  speaker.say(`voice/${locale}/${clip}.wav`, view.elderly ? 2 : 1);
}

/** The moments the screen speaks: a staff member starts serving, each page of an invitation, Thanks, a pause. */
export function useVoice(view: TerminalView | null): void {
  const before = useRef<{ state: string; page: string | null } | null>(null);
  useEffect(() => {
    if (!view) return;
    const page =
      view.session && view.state === 'inviting' && view.session.mode !== 'choose' ? `${view.session.sessionId}:${String(view.session.currentItem)}` : null;
    const prev = before.current;
    before.current = { state: view.state, page };
    if (!prev) return;
    if (page && page !== prev.page) speak(view, 'please-rate');
    else if (view.state !== prev.state) {
      if (view.state === 'thanks') speak(view, 'thanks');
      else if (view.state === 'paused') speak(view, 'paused');
      else if (view.state === 'serving' && prev.state === 'closed') speak(view, 'welcome');
    }
  }, [view]);
}
