import type { Hono } from 'hono';
import type { Core } from '../compose';
import type { GatehouseConfig } from '../config';
import type { Hub } from '../gateway/hub';
import type { AppEnv } from '../http';
import type { IdentityDeps } from '../identity/web-session';
import { adminRoutes } from './audit-routes';
import { clientRoutes } from './client-routes';
import { userRoutes } from './user-routes';

/** The admin pages (users, clients, audit) over the composed core; the catalog comes with the hub. */
export function adminPagesRoutes(
  core: Core,
  config: Pick<GatehouseConfig, 'clients'>,
  identity: IdentityDeps,
  hub: Hub | undefined,
): Array<Hono<AppEnv>> {
  return [
    adminRoutes(identity, core.pats, core.auditStore, {
      directory: core.directory,
      clients: core.oauth.registry,
      now: core.now,
    }),
    clientRoutes(identity, core.pats, {
      oauth: core.oauth,
      configured: config.clients,
      blocks: core.clientBlocks,
      audit: core.audit,
      now: core.now,
    }),
    userRoutes(identity, core.pats, {
      directory: core.directory,
      oauth: core.oauth,
      pats: core.pats,
      ...(hub ? { connections: async (userId: string) => (await hub.vault.list(userId)).length } : {}),
      revokeEverything: core.revokeEverything,
      audit: core.audit,
      now: core.now,
    }),
  ];
}
