export type { EphemeralStore } from './ephemeral';
export { type Dialect, type OpenOptions, openDatabase, type SqlDatabase } from './sql/database';
export { createSqlEphemeralStore, sweepExpired } from './sql/ephemeral-sql';
