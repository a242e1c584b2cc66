import type { Database } from 'better-sqlite3';
import { warmGb2312 } from '../../device-drivers/gb2312.js';
import { hmacHex, sm3Hex } from '../../sync/crypto/gm.js';
import { Outbox } from '../../sync/outbox/outbox.js';
import { evaluationRecordSchema } from '../../sync/record.js';
import { SessionStore } from '../store/sessions.js';

/**
 * Does once at start the work the first rating after a start would otherwise do for the first time, under the first
 * citizen's finger (issue 27: the very first tap was the slowest): the rating path's SQL compiled, the keypad
 * screen's GB2312 tables built, SM3, HMAC-SM3 and the record's validation run once. Nothing is stored, read back or rolled back:
 * statements are compiled, not run, and the hash and the check are of values thrown away.
 */
export function warmRatingPath(db: Database): void {
  new SessionStore(db).warm();
  new Outbox(db).warm();
  warmGb2312();
  sm3Hex('');
  // The upload's request signature (HMAC-SM3 where the province asks for it): OpenSSL looks the MAC up on first use.
  hmacHex('HMAC-SM3', 'warm-up', '');
  // zod compiles an object schema's check on its first parse of an object: an empty one fails and is dropped.
  evaluationRecordSchema.safeParse({});
}
