import { sm2PublicKey } from '../provisioning/province-schema.js';
import { readUpdateSettings } from '../provisioning/update-settings.js';
import { readDatabaseSchema } from '../store/schema-info.js';
import { z } from 'zod';

/**
 * What an install needs from the data directory: the trusted update keys, the trial length and the database's schema.
 * Root reads them through a child running as the data directory's owner (main/cli/update-reader.ts), so the schema
 * is the same whoever asks.
 */
export const factsSchema = z.strictObject({
  publicKeys: z.array(sm2PublicKey).max(8),
  trialMinutes: z.number().int().min(0).max(100_000).nullable(),
  database: z.strictObject({ version: z.number().int().min(0), minReader: z.number().int().min(0) }).nullable(),
});
export type TerminalFacts = z.infer<typeof factsSchema>;

export const NO_FACTS: TerminalFacts = { publicKeys: [], trialMinutes: null, database: null };

/** Reads them in this process: as the data directory's owner, or as anyone without root's worries. */
export function readFactsHere(dataDir: string | undefined): TerminalFacts {
  if (!dataDir) return NO_FACTS;
  const settings = readUpdateSettings(dataDir);
  return { publicKeys: [...settings.publicKeys], trialMinutes: settings.trialMinutes, database: readDatabaseSchema(dataDir) };
}
