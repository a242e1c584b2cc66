import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY, KeypadEmulator } from '../../device-drivers/keypad-serial/emulator.js';
import { SerialKeypad } from '../../device-drivers/keypad-serial/serial-keypad.js';
import { AckStatus, Cmd, LedMode, Prompt, type Frame } from '../../device-drivers/keypad-serial/protocol.js';
import { encodeFrame } from '../../device-drivers/keypad-serial/codec.js';
import { memoryTransportPair, type ByteTransport } from '../../device-drivers/transport.js';
import { KeypadController } from '../../main/devices/keypad-controller.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { BADGE } from '../helpers/fixtures.js';
import { coreFixture, silentLog, type CoreFixture } from '../helpers/core.js';
import { waitFor } from '../helpers/until.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

const until = (cond: () => boolean, timeoutMs = 3000) => waitFor(cond, 'keypad link condition', timeoutMs);

/** The terminal's bytes reach the device `ms` late, in order: a loaded machine, or a slow line. */
function slowWrites(t: ByteTransport, ms: number): ByteTransport {
  return {
    description: t.description,
    open: (h) => t.open(h),
    write: (data) => void setTimeout(() => t.write(data), ms),
    close: () => t.close(),
  };
}

function rig(opts: { ack?: boolean; address?: number; silenceMs?: number; lineDelayMs?: number } = {}) {
  const [fast, device] = memoryTransportPair();
  const host = opts.lineDelayMs ? slowWrites(fast, opts.lineDelayMs) : fast;
  const keypad = new SerialKeypad(host, 'simulated', 'memory', { retransmitMs: 80, pingIdleMs: 200, silenceMs: opts.silenceMs ?? 15_000, reopenMs: 50 });
  const emulator = new KeypadEmulator(device, { ack: opts.ack ?? true, address: opts.address ?? 1, repeatMs: 40 });
  const keys: number[] = [];
  const cards: string[] = [];
  let ready = 0;
  keypad.on('key', (k) => keys.push(k));
  keypad.on('card', (c) => cards.push(c));
  keypad.on('ready', () => ready++);
  stops.push(
    () => keypad.stop(),
    () => emulator.stop(),
  );
  return { keypad, emulator, keys, cards, ready: () => ready };
}

describe('keypad link', () => {
  it('keeps a bounded history in the emulator, so the demo’s simulated keypad does not grow for months', async () => {
    const [host, device] = memoryTransportPair();
    const emulator = new KeypadEmulator(device, {});
    stops.push(() => emulator.stop());
    await emulator.start();
    const got: Frame[] = [];
    await host.open({ data: () => undefined, closed: () => undefined });
    emulator.on('command', (f) => got.push(f));
    for (let i = 0; i < 3 * HISTORY; i++) host.write(encodeFrame({ addr: 1, seq: i & 0xff, cmd: Cmd.PLAY_PROMPT, payload: Buffer.from([Prompt.THANKS]) }));
    await until(() => got.length === 3 * HISTORY);
    expect(emulator.sent).toHaveLength(HISTORY);
    expect(emulator.prompts).toHaveLength(HISTORY);
    expect(emulator.sent.at(-1)?.seq).toBe((3 * HISTORY - 1) & 0xff);
  });

  it('pings on start, learns the device from HELLO and reports it connected', async () => {
    const r = rig();
    await r.emulator.start();
    r.keypad.start();
    await until(() => r.keypad.status().connected && r.ready() > 0);
    expect(r.keypad.status()).toMatchObject({
      type: 'simulated',
      connected: true,
      unresponsive: false,
      protocolVersion: 1,
      keyCount: 5,
      model: 'HCP-SIM-K5/1.0.0',
      capabilities: { lcd: true, badge: true },
    });
  });

  it('acknowledges every event, repeats included, and passes each event on once', async () => {
    // The ACKs take a while to reach the device: counting them as soon as the last repeat is dropped finds none.
    const r = rig({ lineDelayMs: 20 });
    await r.emulator.start();
    r.keypad.start();
    await until(() => r.ready() > 0);
    const frame = r.emulator.frame(Cmd.KEY, Buffer.from([3]));
    for (let i = 0; i < 4; i++) r.emulator.sendRaw(frame);
    const acks = () => r.emulator.sent.filter((f) => f.cmd === Cmd.ACK && f.payload[0] === frame[2]);
    await until(() => acks().length >= 4);
    expect(acks()).toHaveLength(4);
    expect(r.keys).toEqual([3]);
    expect(r.keypad.status().repeatsDropped).toBe(3);
    r.emulator.presentCard('0a1b2c3d4e');
    await until(() => r.cards.length === 1);
    expect(r.cards).toEqual(['0A1B2C3D4E']);
    await until(() => r.emulator.pendingEvents === 0);
  });

  it('answers an unknown command with ACK status 1 and ignores frames for other addresses', async () => {
    const r = rig();
    await r.emulator.start();
    r.keypad.start();
    await until(() => r.ready() > 0);
    r.emulator.sendRaw(r.emulator.frame(0x42, Buffer.alloc(0), 99));
    await until(() => r.emulator.sent.some((f) => f.cmd === Cmd.ACK && f.payload[0] === 99));
    expect(r.emulator.sent.find((f) => f.cmd === Cmd.ACK && f.payload[0] === 99)?.payload[1]).toBe(AckStatus.UNKNOWN_COMMAND);
    const other = new KeypadEmulator(memoryTransportPair()[0], { address: 9 });
    r.emulator.sendRaw(other.frame(Cmd.KEY, Buffer.from([1])));
    // Frames are read in order: once a frame sent after it is answered, the other address's key was seen and ignored.
    r.emulator.sendRaw(r.emulator.frame(0x42, Buffer.alloc(0), 100));
    await until(() => r.emulator.sent.some((f) => f.cmd === Cmd.ACK && f.payload[0] === 100));
    expect(r.keys).toEqual([]);
  });

  it('retransmits an unacknowledged command 3 times, then reports the keypad unresponsive', async () => {
    const r = rig({ ack: false });
    await r.emulator.start();
    r.keypad.start();
    await until(() => r.keypad.status().unresponsive);
    const pings = r.emulator.sent.filter((f) => f.cmd === Cmd.PING);
    // One send and three retransmissions, all with the same SEQ.
    expect(pings.length).toBeGreaterThanOrEqual(4);
    expect(new Set(pings.slice(0, 4).map((f) => f.seq)).size).toBe(1);
    expect(r.keypad.status().lastError).toMatch(/no ACK .* after 3 retransmissions/);
  });

  it('reports disconnected after the silence window and connected again when the device speaks', async () => {
    const r = rig({ silenceMs: 300 });
    await r.emulator.start();
    r.keypad.start();
    await until(() => r.keypad.status().connected);
    // A device that went quiet: stop answering (it no longer replies to PING).
    r.emulator.acknowledges = false;
    await until(() => !r.keypad.status().connected, 3000);
    expect(r.keypad.status().lastError).toMatch(/no frame from the device/);
    r.emulator.sendHello();
    await until(() => r.keypad.status().connected);
  });

  it('sends only the latest of a burst of SET_KEYS, and GB2312 text the device can show', async () => {
    const r = rig();
    await r.emulator.start();
    r.keypad.start();
    await until(() => r.ready() > 0);
    const before = r.emulator.sent.filter((f) => f.cmd === Cmd.SET_KEYS).length;
    for (let i = 0; i < 10; i++) r.keypad.setKeys(i % 2 ? 0x1f : 0, LedMode.OFF);
    r.keypad.setKeys(0x1f, LedMode.BLINK);
    r.keypad.showText(0, '张三 12号窗口');
    await until(() => r.emulator.lines[0] === '张三 12号窗口');
    const sets = r.emulator.sent.filter((f) => f.cmd === Cmd.SET_KEYS).slice(before);
    // Distinct commands (a retransmission under load repeats a SEQ): the one in flight and the latest.
    expect(new Set(sets.map((f) => f.seq)).size).toBeLessThanOrEqual(2);
    expect(r.emulator.enabledMask).toBe(0x1f);
    expect(r.emulator.ledMode).toBe(LedMode.BLINK);
  });
});

describe('the terminal drives the keypad', () => {
  let f: CoreFixture;

  async function terminalWithKeypad() {
    const [host, device] = memoryTransportPair();
    const keypad = new SerialKeypad(host, 'simulated', 'memory', { retransmitMs: 30, reopenMs: 50 });
    const emulator = new KeypadEmulator(device, { repeatMs: 40 });
    const controller = new KeypadController(keypad, silentLog, Date.now);
    f = coreFixture(undefined, { keypad: controller });
    const terminal = f.terminal;
    controller.attach(terminal, true);
    await emulator.start();
    keypad.start();
    stops.push(
      () => keypad.stop(),
      () => emulator.stop(),
      () => f.cleanup(),
    );
    await until(() => keypad.status().connected);
    return { terminal, emulator };
  }

  const commands = (e: KeypadEmulator, cmd: number) => e.sent.filter((x: Frame) => x.cmd === cmd);

  it('enables the rating keys only while inviting, shows who serves and what to do, and plays the prompts', async () => {
    const { terminal, emulator } = await terminalWithKeypad();
    await until(() => emulator.lines[1] === '窗口暂停服务');
    expect(emulator.enabledMask).toBe(0);
    emulator.presentCard(BADGE);
    await until(() => terminal.state() === 'serving');
    await until(() => emulator.lines[0] === '张三 12号窗口' && emulator.prompts.includes(Prompt.WELCOME));
    emulator.pressKey(0x10);
    await until(() => terminal.state() === 'inviting' && emulator.enabledMask === 0x1f);
    expect(emulator.ledMode).toBe(LedMode.BLINK);
    await until(() => emulator.prompts.includes(Prompt.PLEASE_RATE) && emulator.lines[1] === '请您对服务作出评价');
    expect(emulator.pressKey(2)).toBe(true);
    await until(() => terminal.state() === 'thanks');
    expect(new Outbox(f.db).list()[0]?.record).toMatchObject({ satisfaction: 4, pf: '5' });
    await until(() => emulator.highlights.includes(2) && emulator.prompts.includes(Prompt.THANKS) && emulator.enabledMask === 0);
    // A disabled key sends nothing; a misbehaving keypad that sends anyway records nothing.
    expect(emulator.pressKey(1)).toBe(false);
    emulator.pressKey(1, { force: true });
    await until(() => emulator.pendingEvents === 0);
    expect(new Outbox(f.db).list()).toHaveLength(1);
    emulator.pressKey(0x11);
    await until(() => terminal.state() === 'paused' && emulator.prompts.includes(Prompt.PAUSED) && emulator.lines[1] === '暂停服务');
  });

  it('sends the current keys and text again after the device says HELLO (power cycle)', async () => {
    const { terminal, emulator } = await terminalWithKeypad();
    terminal.loginByBadge(BADGE);
    await terminal.openSession({});
    await until(() => emulator.enabledMask === 0x1f);
    emulator.enabledMask = 0;
    emulator.lines[0] = '';
    emulator.sendHello();
    await until(() => emulator.enabledMask === 0x1f && emulator.lines[0] === '张三 12号窗口');
    expect(commands(emulator, Cmd.SET_KEYS).length).toBeGreaterThanOrEqual(2);
  });
});
