import type { EphemeralStore } from '../store';

export interface RateDecision {
  allowed: boolean;
  /** seconds until the window ends, when refused */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string): Promise<RateDecision>;
  /** Pushes locally counted hits to the shared store now. */
  flush(): Promise<void>;
  close(): void;
}

export interface RateLimiterOptions {
  windowMs: number;
  max: number;
  now: () => number;
  /** How often local counts are pushed to the shared store. */
  flushIntervalMs?: number;
  onStoreError?: (error: unknown) => void;
  /** told of each refusal (the metrics) */
  onRefused?: () => void;
}

interface Window {
  /** hits counted here and not yet pushed */
  pending: number;
  /** the shared count as of the last push (all instances) */
  shared: number;
  expiresAt: number;
}

const MAX_TRACKED_KEYS = 100_000;

/**
 * A fixed-window limiter shared by every instance through the ephemeral store, without a database write
 * per request: hits are counted in memory and pushed in one `increment(key, ttl, n)` per key every
 * `flushIntervalMs`, which also brings back the count of the other instances. A burst spread over several
 * instances can therefore exceed the limit by what they count between two flushes (bounded, documented).
 * If the store is down, local counting still limits each instance on its own.
 */
export function createRateLimiter(store: EphemeralStore, options: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, Window>();
  let flushing: Promise<void> | undefined;

  const flushOnce = async () => {
    const at = options.now();
    const work: Promise<void>[] = [];
    for (const [key, window] of windows) {
      if (window.pending === 0) {
        if (window.expiresAt <= at) windows.delete(key);
        continue;
      }
      const sent = window.pending;
      window.pending = 0;
      work.push(
        store.increment(key, options.windowMs, sent).then(
          (counted) => {
            window.shared = counted.count;
            window.expiresAt = counted.expiresAt;
          },
          (error: unknown) => {
            window.pending += sent;
            options.onStoreError?.(error);
          },
        ),
      );
    }
    await Promise.all(work);
  };

  const flush = () => {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 250);
  timer.unref();

  return {
    async hit(key) {
      const at = options.now();
      let window = windows.get(key);
      if (!window || window.expiresAt <= at) {
        if (windows.size >= MAX_TRACKED_KEYS) await flush();
        window = { pending: 0, shared: 0, expiresAt: at + options.windowMs };
        windows.set(key, window);
      }
      window.pending++;
      if (window.shared + window.pending <= options.max) return { allowed: true, retryAfterSeconds: 0 };
      options.onRefused?.();
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.expiresAt - at) / 1000)) };
    },
    flush,
    close() {
      clearInterval(timer);
    },
  };
}
