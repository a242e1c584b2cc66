import { v7 } from 'uuid';

/**
 * Ids of sessions and records: time-ordered UUIDs (RFC 9562 version 7; the spec asks for a UUID, any version). A new
 * id sorts after the ones before it, so the unique indexes on them take it on their last page instead of a random
 * page of an index as large as the records kept (docs/performance.md, durable commit).
 */
export function newId(): string {
  return v7();
}
