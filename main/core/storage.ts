/** The storage port and its status: types only, so the ports, the session answer and the guard can all name them. */

/** Free bytes on the data directory's filesystem, or null where the platform cannot tell. */
export interface StorageProbe {
  freeBytes(): number | null;
  /** Why the database refuses every new record however much room there is (tried at start), or null. */
  refusal?(): string | null;
}

/** Whether a rating can be stored now, as `GET /status` reports it. */
export interface StorageStatus {
  ok: boolean;
  freeBytes: number | null;
  message: string | null;
}
