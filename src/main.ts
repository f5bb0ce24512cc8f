import type { GatehouseConfig } from './config';
import { createApp, listen, type RunningServer } from './http';
import { createSqlEphemeralStore, openDatabase, sweepExpired } from './store';
import { createLogger, type Logger } from './telemetry';

export interface Gatehouse {
  url: string;
  server: RunningServer;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  sweepIntervalMs?: number;
}

/** The composition root: config -> stores -> concerns -> Hono app -> listening server. Nothing else lives here. */
export async function startGatehouse(
  config: GatehouseConfig,
  options: StartOptions = {},
): Promise<Gatehouse> {
  const logger = options.logger ?? createLogger({ level: config.log.level, pretty: config.log.pretty });
  const now = options.now ?? Date.now;
  const database = openDatabase(config.database.url, { poolSize: config.database.poolSize });
  const applied = await database.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');

  const ephemeral = createSqlEphemeralStore(database, now);
  const cleanups: Array<() => void> = [];
  const app = createApp({
    config,
    logger,
    ephemeral,
    ping: database.ping,
    now,
    onClose: (cleanup) => cleanups.push(cleanup),
  });
  const server = await listen(app, config.listen.host, config.listen.port);

  const sweep = setInterval(() => {
    sweepExpired(database, now()).catch((error: unknown) =>
      logger.warn({ err: error }, 'expiry sweep failed'),
    );
  }, options.sweepIntervalMs ?? 60_000);
  sweep.unref();

  return {
    url: server.url,
    server,
    async close() {
      clearInterval(sweep);
      for (const cleanup of cleanups) cleanup();
      await server.close();
      await database.close();
    },
  };
}
