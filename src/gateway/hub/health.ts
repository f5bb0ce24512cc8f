/** What admins see per catalog entry: last error, tool count, call latency — this instance's view. */
export interface EntryHealth {
  lastError: { at: number; message: string } | null;
  toolCount: number | null;
  p50Ms: number | null;
  calls: number;
}

const SAMPLES = 200;

export function createHealth(now: () => number) {
  const entries = new Map<
    string,
    { lastError: EntryHealth['lastError']; toolCount: number | null; latencies: number[]; calls: number }
  >();
  const of = (slug: string) => {
    let entry = entries.get(slug);
    if (!entry) {
      entry = { lastError: null, toolCount: null, latencies: [], calls: 0 };
      entries.set(slug, entry);
    }
    return entry;
  };
  return {
    failed(slug: string, message: string) {
      of(slug).lastError = { at: now(), message };
    },
    listed(slug: string, toolCount: number) {
      of(slug).toolCount = toolCount;
    },
    called(slug: string, ms: number) {
      const entry = of(slug);
      entry.calls += 1;
      entry.latencies.push(ms);
      if (entry.latencies.length > SAMPLES) entry.latencies.shift();
    },
    get(slug: string): EntryHealth {
      const entry = entries.get(slug);
      if (!entry) return { lastError: null, toolCount: null, p50Ms: null, calls: 0 };
      const sorted = [...entry.latencies].sort((a, b) => a - b);
      const p50 = sorted.length > 0 ? (sorted[Math.floor((sorted.length - 1) / 2)] as number) : null;
      return { lastError: entry.lastError, toolCount: entry.toolCount, p50Ms: p50, calls: entry.calls };
    },
  };
}

export type Health = ReturnType<typeof createHealth>;
