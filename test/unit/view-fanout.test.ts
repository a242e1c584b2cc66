import { describe, expect, it } from 'vitest';
import type { TerminalView } from '../../main/bridge/contract.js';
import { MAX_BUFFERED, ViewFanout, type ViewSink } from '../../main/host/view-fanout.js';

/** A socket that keeps what it was sent and reports as unsent whatever the test says. */
class Sink implements ViewSink {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: { elderly: boolean; data: Buffer }[] = [];
  send(data: Buffer): void {
    this.sent.push({ elderly: (JSON.parse(data.toString('utf8')) as { view: TerminalView }).view.elderly, data });
  }
}

function source() {
  let listener: ((v: TerminalView) => void) | null = null;
  let elderly = false;
  const view = () => ({ elderly, technician: { padRequested: false, lockedUntil: null, diagnostics: null, setup: null } }) as unknown as TerminalView;
  return {
    view,
    onView(l: (v: TerminalView) => void) {
      listener = l;
      return () => (listener = null);
    },
    change(on: boolean) {
      elderly = on;
      listener?.(view());
    },
  };
}

describe('view fan-out', () => {
  it('sends one buffer to every watcher, and a socket that stops reading skips to the latest view when it drains', () => {
    const s = source();
    const fan = new ViewFanout(s);
    const [fast, slow, other] = [new Sink(), new Sink(), new Sink()];
    fan.add(fast, false);
    const slowOne = fan.add(slow, false);
    fan.add(other, false);
    s.change(true);
    expect(fast.sent.at(-1)?.data).toBe(other.sent.at(-1)?.data);

    slow.bufferedAmount = MAX_BUFFERED + 1;
    for (let i = 0; i < 50; i += 1) s.change(i % 2 === 0);
    expect(slow.sent).toHaveLength(2);
    expect(fast.sent).toHaveLength(52);
    slow.bufferedAmount = 0;
    slowOne.drained();
    expect(slow.sent.map((m) => m.elderly)).toEqual([false, true, false]);
    slowOne.drained();
    expect(slow.sent).toHaveLength(3);
  });
});
