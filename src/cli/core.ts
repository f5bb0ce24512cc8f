import { userInfo } from 'node:os';
import { type Core, composeCore } from '../compose';
import { createLogger } from '../telemetry';
import type { CliIo } from './io';
import { loadValidConfig } from './serve';

/**
 * Runs a maintenance command against the configured database: validated config, migrated database, the
 * composed core (stores and concerns, no HTTP), closed afterwards. Exit 1 when the config is invalid.
 */
export async function withCore(
  configPath: string | undefined,
  io: CliIo,
  run: (core: Core, config: NonNullable<Awaited<ReturnType<typeof loadValidConfig>>>) => Promise<number>,
): Promise<number> {
  const config = await loadValidConfig(configPath, io);
  if (!config) return 1;
  const core = await composeCore(config, { logger: createLogger({ level: 'silent' }) });
  try {
    return await run(core, config);
  } finally {
    await core.database.close();
  }
}

/** Audit details of an admin change made from the command line: the local account that ran it. */
export function cliOperator(): { by: 'cli'; operator: string } {
  return { by: 'cli', operator: userInfo().username };
}
