import { afterEach, describe, expect, it, vi } from 'vitest';
import { Speaker } from '../../renderer/src/voice.js';

/** The page's `Audio`, as far as the speaker uses it: each clip made is kept, and ends when the test says. */
class FakeAudio {
  static made: FakeAudio[] = [];
  onended: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly src: string) {
    FakeAudio.made.push(this);
  }
  play(): Promise<void> {
    return Promise.resolve();
  }
  end(): void {
    this.onended?.();
  }
}

/** The clips heard, in order. */
const heard = () => FakeAudio.made.map((a) => a.src);
/** Lets the clip now playing end (what the browser does when it has played it). */
const endCurrent = () => FakeAudio.made.at(-1)?.end();

afterEach(() => {
  FakeAudio.made = [];
  vi.unstubAllGlobals();
});

describe('the kiosk page’s voice', () => {
  it('says the current screen’s prompt after the clip playing, not every prompt that came meanwhile', () => {
    vi.stubGlobal('Audio', FakeAudio);
    const speaker = new Speaker();
    speaker.say('voice/zh-CN/welcome.wav', 1);
    // A citizen pressing quickly: three screens while the welcome still plays.
    speaker.say('voice/zh-CN/please-rate.wav', 1);
    speaker.say('voice/zh-CN/level-manyi-5.wav', 1);
    speaker.say('voice/zh-CN/thanks.wav', 1);
    expect(heard()).toEqual(['voice/zh-CN/welcome.wav']);
    for (let i = 0; i < 5; i++) endCurrent();
    expect(heard()).toEqual(['voice/zh-CN/welcome.wav', 'voice/zh-CN/thanks.wav']);
  });

  it('keeps elderly mode’s repeat of the new prompt', () => {
    vi.stubGlobal('Audio', FakeAudio);
    const speaker = new Speaker();
    speaker.say('voice/zh-CN/please-rate.wav', 2);
    speaker.say('voice/zh-CN/thanks.wav', 2);
    for (let i = 0; i < 5; i++) endCurrent();
    expect(heard()).toEqual(['voice/zh-CN/please-rate.wav', 'voice/zh-CN/thanks.wav', 'voice/zh-CN/thanks.wav']);
  });

  it('speaks the next prompt at once when the one before ended', () => {
    vi.stubGlobal('Audio', FakeAudio);
    const speaker = new Speaker();
    speaker.say('voice/en/welcome.wav', 1);
    endCurrent();
    speaker.say('voice/en/paused.wav', 1);
    expect(heard()).toEqual(['voice/en/welcome.wav', 'voice/en/paused.wav']);
  });
});
