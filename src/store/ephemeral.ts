/**
 * Short-lived key-value data with a TTL: nonces, CSRF state, rate-limit counters, caches.
 * Backed by the main database so several instances share it. Expired entries are invisible
 * to every method even before the sweep removes them.
 */
export interface EphemeralStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Returns the value and removes it in one statement: of N concurrent callers exactly one gets it. */
  take(key: string): Promise<string | undefined>;
  /**
   * Adds `by` (default 1) to a counter that lives for `ttlMs` from its first increment, then starts over.
   * Returns the new count and when the current window ends.
   */
  increment(key: string, ttlMs: number, by?: number): Promise<{ count: number; expiresAt: number }>;
}
