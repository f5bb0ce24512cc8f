import type { PatRecord, PatStore } from '../../resource/store';
import { compiledOnce } from './compiled-once';
import type { SqlDatabase } from './database';
import type { PersonalAccessTokenTable } from './schema';

function toPat(row: PersonalAccessTokenTable): PatRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userHash: row.user_hash,
    prefix: row.prefix,
    sealed: row.sealed,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

export function createSqlPatStore({ db }: SqlDatabase): PatStore {
  const live = (at: number) =>
    db
      .selectFrom('personal_access_tokens')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]));
  // Every request with a personal access token reads it: built and compiled once.
  const findLive = compiledOnce(db, ['\u0000token-hash', -1.5], (tokenHash: string, at: number) =>
    live(at).where('token_hash', '=', tokenHash),
  );
  return {
    async create(token) {
      await db
        .insertInto('personal_access_tokens')
        .values({
          id: token.id,
          token_hash: token.tokenHash,
          user_hash: token.userHash,
          prefix: token.prefix,
          sealed: token.sealed,
          created_at: token.createdAt,
          last_used_at: token.lastUsedAt,
          expires_at: token.expiresAt,
        })
        .execute();
    },
    async findByHash(tokenHash, at) {
      const [row] = await findLive(tokenHash, at);
      return row && toPat(row);
    },
    async get(id, at) {
      const row = await live(at).where('id', '=', id).executeTakeFirst();
      return row && toPat(row);
    },
    async listByUser(userHash, at) {
      const rows = await live(at).where('user_hash', '=', userHash).orderBy('created_at', 'desc').execute();
      return rows.map(toPat);
    },
    async delete(id) {
      const row = await db
        .deleteFrom('personal_access_tokens')
        .where('id', '=', id)
        .returning('token_hash')
        .executeTakeFirst();
      return row?.token_hash;
    },
    async deleteByUser(userHash) {
      const rows = await db
        .deleteFrom('personal_access_tokens')
        .where('user_hash', '=', userHash)
        .returning('token_hash')
        .execute();
      return rows.map((row) => row.token_hash);
    },
    async touch(id, at, minIntervalMs) {
      await db
        .updateTable('personal_access_tokens')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', at - minIntervalMs)]))
        .execute();
    },
  };
}
