import { intentForKey, keyForLevel } from '../../device-drivers/keypad-keys.js';
import type { KeypadDevice } from '../../device-drivers/keypad.js';
import { ALL_RATING_KEYS, LedMode, Prompt } from '../../device-drivers/keypad-serial/protocol.js';
import type { TerminalState, TerminalView } from '../bridge/contract.js';
import type { Level } from '../core/levels.js';
import type { KeypadPort, Logger } from '../core/ports.js';
import type { Terminal } from '../core/terminal.js';
import { deliver } from './deliver.js';

/** Line 1 of the LCD per state (line 0 names the staff member and the window). */
const PROMPT_TEXT: Record<TerminalState, string> = {
  unprovisioned: '终端未配置',
  closed: '窗口暂停服务',
  serving: '欢迎光临',
  inviting: '请您对服务作出评价',
  'follow-up': '请在屏幕上补充',
  thanks: '谢谢您的评价',
  paused: '暂停服务',
  maintenance: '系统维护中',
};

/** Voice prompts at the moments the spec names. */
const PROMPT_ON_ENTER: Partial<Record<TerminalState, Prompt>> = {
  inviting: Prompt.PLEASE_RATE,
  thanks: Prompt.THANKS,
  paused: Prompt.PAUSED,
};

/**
 * Keeps the keypad in step with the terminal: rating keys and LEDs on only while inviting, the LCD's two lines,
 * voice prompts on entering a state, HIGHLIGHT on a stored choice; and carries keys and badges into the core.
 */
export class KeypadController implements KeypadPort {
  private lastState: TerminalState | null = null;
  private lines: [string | null, string | null] = [null, null];
  /** The last key received, on the terminal's clock: the screen lights it on the demo keypad. */
  private last: { key: number; at: number } | null = null;

  constructor(
    private readonly device: KeypadDevice,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  get lastKey(): { key: number; at: number } | null {
    return this.last;
  }

  /** Returns what detaches the keypad from the terminal again. */
  attach(terminal: Terminal, acceptCards: boolean): () => void {
    const pleaseWait = () => this.device.playPrompt(Prompt.PLEASE_WAIT);
    const offs = [
      this.device.on('key', (key) => {
        this.last = { key, at: this.now() };
        deliver(this.log, 'keypad key', () => pressKey(terminal, key), pleaseWait);
      }),
      // After every HELLO (power-up, reconnect) the device knows nothing: tell it everything again.
      this.device.on('ready', () => this.sync(terminal.view(), true)),
    ];
    if (acceptCards) offs.push(this.device.on('card', (id) => deliver(this.log, 'keypad badge', () => terminal.loginByBadge(id), pleaseWait)));
    return () => offs.forEach((off) => off());
  }

  showState(view: TerminalView): void {
    this.sync(view, false);
  }

  confirmChoice(level: Level): void {
    this.device.highlight(keyForLevel(level));
  }

  private sync(view: TerminalView, force: boolean): void {
    const entered = view.state !== this.lastState;
    if (entered || force) {
      const inviting = view.state === 'inviting';
      this.device.setKeys(inviting ? ALL_RATING_KEYS : 0, inviting ? LedMode.BLINK : LedMode.OFF);
    }
    if (entered && !force) {
      const prompt = view.state === 'serving' && (this.lastState === 'closed' || this.lastState === null) ? Prompt.WELCOME : PROMPT_ON_ENTER[view.state];
      if (prompt) this.device.playPrompt(prompt);
    }
    this.lastState = view.state;
    const line0 = [view.staff?.name, view.hall.windowName].filter(Boolean).join(' ');
    const line1 = PROMPT_TEXT[view.state];
    if (force || line0 !== this.lines[0]) this.device.showText(0, line0);
    if (force || line1 !== this.lines[1]) this.device.showText(1, line1);
    this.lines = [line0, line1];
  }
}

/** The terminal hears what a key means, never its code. */
export async function pressKey(terminal: Terminal, key: number): Promise<void> {
  const intent = intentForKey(key);
  if (intent?.kind === 'invite') await terminal.keypadInvite();
  else if (intent?.kind === 'toggle-pause') terminal.togglePause();
  else if (intent?.kind === 'choose') await terminal.keypadChoose(intent.level);
}
