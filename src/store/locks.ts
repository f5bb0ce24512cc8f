/**
 * Leases shared by every instance (PostgreSQL) or process (SQLite): one holder at a time, for at most
 * `ttlMs` — a holder that dies frees the lease when it expires.
 */
export interface LockStore {
  /** Takes the lease when it is free or expired: a release token for its holder, undefined otherwise. */
  acquire(key: string, ttlMs: number): Promise<string | undefined>;
  /** Frees the lease if `token` still holds it (an expired lease taken over by another is left alone). */
  release(key: string, token: string): Promise<void>;
}
