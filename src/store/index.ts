export type { EphemeralStore } from './ephemeral';
export type { LockStore } from './locks';
export { type Dialect, type OpenOptions, openDatabase, type SqlDatabase } from './sql/database';
export { createSqlEphemeralStore } from './sql/ephemeral-sql';
export {
  createSqlCatalogStore,
  createSqlConnectionStore,
  createSqlUpstreamClientStore,
} from './sql/hub-sql';
export { createSqlAuditStore, createSqlUserStore, purgeAuditEvents } from './sql/identity-sql';
export { createSqlLockStore } from './sql/locks-sql';
export {
  createSqlClientBlockStore,
  createSqlClientStore,
  createSqlCodeStore,
  createSqlGrantStore,
  createSqlTokenStore,
} from './sql/oauth-sql';
export { createSqlPatStore } from './sql/pat-sql';
export { sweepExpired } from './sql/sweep';
