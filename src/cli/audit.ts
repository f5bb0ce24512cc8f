import { parseTime } from '../admin/audit-filter';
import { composeCore, sweepOnce } from '../compose';
import { createSqlAuditStore, openDatabase } from '../store';
import { createLogger } from '../telemetry';
import type { CliIo } from './io';
import { loadValidConfig } from './serve';

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
  const config = await loadValidConfig(args.config, io);
  if (!config) return 1;
  const database = openDatabase(config.database.url);
  try {
    await database.migrate();
    const store = createSqlAuditStore(database);
    let after: string | undefined;
    for (;;) {
      const page = await store.since(since, 1000, after);
      for (const event of page) io.out(JSON.stringify({ ...event, at: new Date(event.at).toISOString() }));
      if (page.length < 1000) return 0;
      after = page.at(-1)?.id;
    }
  } finally {
    await database.close();
  }
}

/** `gatehouse sweep`: one pass of the periodic sweep, for cron. */
export async function sweepCommand(args: { config?: string }, io: CliIo): Promise<number> {
  const config = await loadValidConfig(args.config, io);
  if (!config) return 1;
  const core = await composeCore(config, { logger: createLogger({ level: 'warn' }) });
  try {
    const result = await sweepOnce(core, config);
    io.out(JSON.stringify(result));
    return 0;
  } finally {
    await core.database.close();
  }
}
