import { INVITE_KEY } from '../../device-drivers/keypad-keys.js';
import type { BridgeClient } from './clients.js';

/**
 * A citizen at the demo's simulated keypad (driven from the kiosk page, as the panel under the screen does): the
 * staff side's INVITE, then a rating key once the keys are lit. Paced as no person could beat: faster than one a
 * 40 ms, the keypad's SEQ byte (shared with its ACKs) wraps inside the protocol's 2 s de-duplication window.
 */
export function keypadRater(ui: BridgeClient): { rate(key: number): Promise<void>; retries(): number } {
  let retries = 0;
  // The keypad enables its rating keys when SET_KEYS arrives, so a press before that sends nothing: press again.
  const pressUntil = async (key: number, state: string) => {
    for (let i = 0; ; i++) {
      await ui.send({ type: 'simulateKey', key });
      try {
        await ui.view((v) => v.state === state, 300);
        return;
      } catch (err) {
        retries++;
        if (i > 20) throw err;
      }
    }
  };
  return {
    async rate(key) {
      await pressUntil(INVITE_KEY, 'inviting');
      await new Promise((r) => setTimeout(r, 40));
      await pressUntil(key, 'thanks');
    },
    retries: () => retries,
  };
}
