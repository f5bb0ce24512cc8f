import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type Core, composeCore } from '../compose';
import { createLogger } from '../telemetry';
import type { CliIo } from './io';
import { devConfig, loadValidConfig } from './serve';

/**
 * The configuration an admin command runs against: `--config FILE` (or the environment, when it names an
 * issuer); without either, the development instance `gatehouse dev` keeps in ./.gatehouse; else a clear
 * error. Undefined (after saying why) when there is none.
 */
async function adminConfig(configPath: string | undefined, io: CliIo) {
  if (configPath !== undefined || io.env.GATEHOUSE_ISSUER) return loadValidConfig(configPath, io);
  const stateDir = resolve(io.cwd, '.gatehouse');
  if (!existsSync(resolve(stateDir, 'dev-secrets.json')) || !existsSync(resolve(stateDir, 'gatehouse.db'))) {
    io.err(
      'no --config FILE given, and no development instance here (./.gatehouse): pass --config, or run this where you ran gatehouse dev',
    );
    return undefined;
  }
  io.err(`using the development instance in ${stateDir}`);
  return devConfig(io, undefined);
}

/**
 * Runs a maintenance command against the configured database: validated config, migrated database, the
 * composed core (stores and concerns, no HTTP), closed afterwards. Exit 1 when the config is invalid.
 */
export async function withCore(
  configPath: string | undefined,
  io: CliIo,
  run: (core: Core, config: NonNullable<Awaited<ReturnType<typeof loadValidConfig>>>) => Promise<number>,
): Promise<number> {
  const config = await adminConfig(configPath, io);
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
