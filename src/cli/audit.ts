import { parseTime } from '../admin/audit-filter';
import { sweepOnce } from '../compose';
import { withCore } from './core';
import type { CliIo } from './io';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `15m`, `24h`, `7d` (ago), or an ISO timestamp -> epoch ms; undefined when unreadable. */
export function parseSince(text: string, now: number): number | undefined {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) return now - Number(relative[1]) * (UNITS[relative[2] ?? 'h'] ?? 0);
  const at = parseTime(text);
  return at === undefined || Number.isNaN(at) ? undefined : at;
}

/** `gatehouse audit --since 24h`: audit events as JSON lines, oldest first. */
export async function auditCommand(args: { config?: string; since?: string }, io: CliIo): Promise<number> {
  const since = parseSince(args.since ?? '24h', Date.now());
  if (since === undefined) {
    io.err(`--since must be a duration like 15m, 24h, 7d or an ISO timestamp; got "${args.since}"`);
    return 2;
  }
  return withCore(args.config, io, async (core) => {
    let after: string | undefined;
    for (;;) {
      const page = await core.auditStore.since(since, 1000, after);
      for (const event of page) io.out(JSON.stringify({ ...event, at: new Date(event.at).toISOString() }));
      if (page.length < 1000) return 0;
      after = page.at(-1)?.id;
    }
  });
}

/** `gatehouse sweep`: one pass of the periodic sweep, for cron. */
export function sweepCommand(args: { config?: string }, io: CliIo): Promise<number> {
  return withCore(args.config, io, async (core, config) => {
    io.out(JSON.stringify(await sweepOnce(core, config)));
    return 0;
  });
}
