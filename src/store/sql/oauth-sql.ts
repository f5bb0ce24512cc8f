import { sql } from 'kysely';
import type {
  AccessTokenRecord,
  ClientBlock,
  ClientBlockStore,
  ClientStore,
  CodeStore,
  GrantRecord,
  GrantStore,
  RefreshRotation,
  StoredClient,
  TokenStore,
} from '../../oauth/store';
import { compiledOnce } from './compiled-once';
import type { SqlDatabase } from './database';
import type { OAuthClientTable, OAuthGrantTable } from './schema';

function toClient(row: OAuthClientTable): StoredClient {
  return {
    clientId: row.client_id,
    kind: row.kind,
    secretHash: row.secret_hash,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

function toGrant(row: OAuthGrantTable): GrantRecord {
  return {
    id: row.id,
    userHash: row.user_hash,
    clientId: row.client_id,
    sealed: row.sealed,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
    expiresAt: Number(row.expires_at),
  };
}

export function createSqlClientStore({ db }: SqlDatabase): ClientStore {
  return {
    async get(clientId, at) {
      const row = await db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('client_id', '=', clientId)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
        .executeTakeFirst();
      return row && toClient(row);
    },
    async create(client) {
      await db
        .insertInto('oauth_clients')
        .values({
          client_id: client.clientId,
          kind: client.kind,
          secret_hash: client.secretHash,
          metadata: JSON.stringify(client.metadata),
          created_at: client.createdAt,
          last_used_at: client.lastUsedAt,
          expires_at: client.expiresAt,
        })
        .execute();
    },
    async touch(clientId, at, expiresAt) {
      await db
        .updateTable('oauth_clients')
        .set({ last_used_at: at, expires_at: expiresAt })
        .where('client_id', '=', clientId)
        .execute();
    },
    async delete(clientId) {
      const result = await db
        .deleteFrom('oauth_clients')
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async list(kind) {
      const rows = await db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('kind', '=', kind)
        .orderBy('created_at')
        .execute();
      return rows.map(toClient);
    },
  };
}

export function createSqlCodeStore({ db }: SqlDatabase): CodeStore {
  return {
    async save(code) {
      await db
        .insertInto('oauth_codes')
        .values({
          code_hash: code.codeHash,
          client_id: code.clientId,
          sealed: code.sealed,
          expires_at: code.expiresAt,
          used_at: null,
          grant_id: null,
        })
        .execute();
    },
    async consume(codeHash, at, grantId) {
      const won = await db
        .updateTable('oauth_codes')
        .set({ used_at: at, grant_id: grantId })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .returning(['client_id', 'sealed'])
        .executeTakeFirst();
      if (won) return { status: 'ok', clientId: won.client_id, sealed: won.sealed };
      // A replay: marked on the row, so the winner — even one still creating its grant — sees it.
      const used = await db
        .updateTable('oauth_codes')
        .set({ replayed_at: at })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is not', null)
        .returning('grant_id')
        .executeTakeFirst();
      return used ? { status: 'replayed', grantId: used.grant_id } : { status: 'unknown' };
    },
    async wasReplayed(codeHash) {
      const row = await db
        .selectFrom('oauth_codes')
        .select('replayed_at')
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      return row?.replayed_at !== null && row?.replayed_at !== undefined;
    },
  };
}

export function createSqlGrantStore({ db }: SqlDatabase): GrantStore {
  // Read and touched on every refresh: compiled once.
  const findGrant = compiledOnce(db, ['\u0000id', -1.5], (id: string, at: number) =>
    db.selectFrom('oauth_grants').selectAll().where('id', '=', id).where('expires_at', '>', at).limit(1),
  );
  const touchGrant = compiledOnce(db, ['\u0000id', -1.5, -2.5], (id: string, at: number, expiresAt: number) =>
    db.updateTable('oauth_grants').set({ last_used_at: at, expires_at: expiresAt }).where('id', '=', id),
  );
  return {
    async create(grant) {
      await db
        .insertInto('oauth_grants')
        .values({
          id: grant.id,
          user_hash: grant.userHash,
          client_id: grant.clientId,
          sealed: grant.sealed,
          created_at: grant.createdAt,
          last_used_at: grant.lastUsedAt,
          expires_at: grant.expiresAt,
        })
        .execute();
    },
    async get(id, at) {
      const [row] = await findGrant(id, at);
      return row && toGrant(row);
    },
    async listByUser(userHash, at) {
      const rows = await db
        .selectFrom('oauth_grants')
        .selectAll()
        .where('user_hash', '=', userHash)
        .where('expires_at', '>', at)
        .orderBy('last_used_at', 'desc')
        .execute();
      return rows.map(toGrant);
    },
    async touch(id, at, expiresAt) {
      await touchGrant(id, at, expiresAt);
    },
    async revoke(id) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('oauth_access_tokens').where('grant_id', '=', id).execute();
        await trx.deleteFrom('oauth_refresh_tokens').where('grant_id', '=', id).execute();
        const result = await trx.deleteFrom('oauth_grants').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
    async idsFor(userHash, clientId) {
      const rows = await db
        .selectFrom('oauth_grants')
        .select('id')
        .where('user_hash', '=', userHash)
        .where('client_id', '=', clientId)
        .execute();
      return rows.map((row) => row.id);
    },
    async idsForClient(clientId, at) {
      const rows = await db
        .selectFrom('oauth_grants')
        .select('id')
        .where('client_id', '=', clientId)
        .where('expires_at', '>', at)
        .execute();
      return rows.map((row) => row.id);
    },
    async usageByClient(at) {
      const rows = await db
        .selectFrom('oauth_grants')
        .select((eb) => [
          'client_id',
          eb.fn.count<string>('user_hash').distinct().as('users'),
          eb.fn.max('last_used_at').as('last_used_at'),
        ])
        .where('expires_at', '>', at)
        .groupBy('client_id')
        .execute();
      return rows.map((row) => ({
        clientId: row.client_id,
        users: Number(row.users),
        lastUsedAt: Number(row.last_used_at),
      }));
    },
  };
}

export function createSqlTokenStore({ db }: SqlDatabase): TokenStore {
  // The bearer check's read (every uncached request): compiled once. Joined with its grant: a token
  // written after its grant was revoked (a refresh racing the revocation) or past the grant's end is not
  // a token.
  const findAccessRow = compiledOnce(db, ['\u0000token-hash', -1.5], (tokenHash: string, at: number) =>
    db
      .selectFrom('oauth_access_tokens as token')
      .innerJoin('oauth_grants as grant', 'grant.id', 'token.grant_id')
      .select(['token.token_hash', 'token.grant_id', 'token.sealed', 'token.expires_at'])
      .where('token.token_hash', '=', tokenHash)
      .where('token.expires_at', '>', at)
      .where('grant.expires_at', '>', at)
      .limit(1),
  );
  // The rest of a refresh's statements with a fixed shape, compiled once too.
  const insertAccess = compiledOnce(
    db,
    ['\u0000hash', '\u0000grant', '\u0000sealed', -1.5],
    (tokenHash: string, grantId: string, sealed: string, expiresAt: number) =>
      db
        .insertInto('oauth_access_tokens')
        .values({ token_hash: tokenHash, grant_id: grantId, sealed, expires_at: expiresAt }),
  );
  const findRefreshRow = compiledOnce(db, ['\u0000hash', -1.5], (tokenHash: string, at: number) =>
    db
      .selectFrom('oauth_refresh_tokens')
      .select(['grant_id', 'sealed'])
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', at)
      .limit(1),
  );

  // OAuth 2.1 §4.3.1: rotation. One UPDATE decides the winner and names its successor.
  const rotate = compiledOnce(
    db,
    ['\u0000hash', -1.5, '\u0000successor'],
    (tokenHash: string, at: number, successorHash: string) =>
      db
        .updateTable('oauth_refresh_tokens')
        .set({ rotated_at: at, successor_hash: successorHash })
        .where('token_hash', '=', tokenHash)
        .where('rotated_at', 'is', null)
        .where('expires_at', '>', at)
        .returning(['grant_id', 'sealed']),
  );
  // A successor is inserted only while its parent still names it (one statement).
  const insertSuccessor = compiledOnce(
    db,
    ['\u0000hash', '\u0000grant', '\u0000parent', '\u0000sealed', -1.5],
    (tokenHash: string, grantId: string, previousHash: string, sealed: string, expiresAt: number) =>
      db
        .insertInto('oauth_refresh_tokens')
        .columns([
          'token_hash',
          'grant_id',
          'previous_hash',
          'sealed',
          'expires_at',
          'rotated_at',
          'grace_used_at',
          'successor_hash',
          'successor_answer',
        ])
        .expression((eb) =>
          eb
            .selectFrom('oauth_refresh_tokens as parent')
            .select([
              sql<string>`${tokenHash}`.as('token_hash'),
              sql<string>`${grantId}`.as('grant_id'),
              sql<string>`${previousHash}`.as('previous_hash'),
              sql<string>`${sealed}`.as('sealed'),
              sql<number>`${expiresAt}`.as('expires_at'),
              sql<null>`null`.as('rotated_at'),
              sql<null>`null`.as('grace_used_at'),
              sql<null>`null`.as('successor_hash'),
              sql<null>`null`.as('successor_answer'),
            ])
            .where('parent.token_hash', '=', previousHash)
            .where('parent.successor_hash', '=', tokenHash),
        )
        .returning('token_hash'),
  );
  const successorOf = compiledOnce(db, ['\u0000hash'], (tokenHash: string) =>
    db.selectFrom('oauth_refresh_tokens').select('successor_hash').where('token_hash', '=', tokenHash),
  );
  const keepAnswer = compiledOnce(
    db,
    ['\u0000hash', '\u0000successor', '\u0000answer'],
    (tokenHash: string, successorHash: string, answer: string) =>
      db
        .updateTable('oauth_refresh_tokens')
        .set({ successor_answer: answer })
        .where('token_hash', '=', tokenHash)
        .where('successor_hash', '=', successorHash),
  );

  /** A token that did not rotate now: rotated moments ago with an unused successor, replayed, or unknown. */
  async function readRotation(tokenHash: string, at: number, graceMs: number): Promise<RefreshRotation> {
    const row = await db
      .selectFrom('oauth_refresh_tokens as token')
      .leftJoin('oauth_refresh_tokens as successor', 'successor.token_hash', 'token.successor_hash')
      .select([
        'token.grant_id as grantId',
        'token.rotated_at as rotatedAt',
        'token.expires_at as expiresAt',
        'token.successor_hash as successorHash',
        'token.successor_answer as answer',
        'successor.rotated_at as successorRotatedAt',
      ])
      .where('token.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return { status: 'unknown' };
    const recent =
      row.rotatedAt !== null &&
      Number(row.rotatedAt) > at - graceMs &&
      Number(row.expiresAt) > at &&
      row.successorHash !== null &&
      row.successorRotatedAt === null;
    return recent
      ? {
          status: 'recently-rotated',
          grantId: row.grantId,
          successorHash: row.successorHash as string,
          answer: row.answer,
        }
      : { status: 'replayed', grantId: row.grantId };
  }

  return {
    async saveAccess(token) {
      await insertAccess(token.tokenHash, token.grantId, token.sealed, token.expiresAt);
    },
    async findAccess(tokenHash, at): Promise<AccessTokenRecord | undefined> {
      const [row] = await findAccessRow(tokenHash, at);
      return (
        row && {
          tokenHash: row.token_hash,
          grantId: row.grant_id,
          sealed: row.sealed,
          expiresAt: Number(row.expires_at),
        }
      );
    },
    async saveRefresh(token) {
      const values = {
        token_hash: token.tokenHash,
        grant_id: token.grantId,
        previous_hash: token.previousHash,
        sealed: token.sealed,
        expires_at: token.expiresAt,
        rotated_at: null,
        grace_used_at: null,
        successor_hash: null,
        successor_answer: null,
      };
      if (token.previousHash === null) {
        await db.insertInto('oauth_refresh_tokens').values(values).execute();
        return true;
      }
      const [result] = await insertSuccessor(
        token.tokenHash,
        token.grantId,
        token.previousHash,
        token.sealed,
        token.expiresAt,
      );
      if (!result) return false;
      // Read again once inserted: a grace compare-and-set that committed after the insert's snapshot but
      // before this read has chosen another successor, and this one must die. (One that commits after this
      // read marks it used itself: its marking statement then sees this row.)
      const [parent] = await successorOf(token.previousHash);
      if (parent?.successor_hash === token.tokenHash) return true;
      await db
        .updateTable('oauth_refresh_tokens')
        .set({ rotated_at: 0, grace_used_at: 0 }) // used, long ago: presenting it is a replay
        .where('token_hash', '=', token.tokenHash)
        .execute();
      return false;
    },
    async rotateRefresh(tokenHash, at, graceMs, successorHash): Promise<RefreshRotation> {
      const [rotated] = await rotate(tokenHash, at, successorHash);
      if (rotated) return { status: 'rotated', grantId: rotated.grant_id, sealed: rotated.sealed };
      return readRotation(tokenHash, at, graceMs);
    },
    readRecentRotation: (tokenHash, at, graceMs) => readRotation(tokenHash, at, graceMs),
    async saveRefreshAnswer(tokenHash, successorHash, answer) {
      await keepAnswer(tokenHash, successorHash, answer);
    },
    async takeOverRotation(tokenHash, at, graceMs, staleSuccessorHash, successorHash) {
      // A compare-and-set on the rotated row: only while it still names the stale successor, has no
      // answer, was rotated moments ago, and nobody has used the stale successor.
      const taken = await db
        .updateTable('oauth_refresh_tokens')
        .set({ grace_used_at: at, successor_hash: successorHash })
        .where('token_hash', '=', tokenHash)
        .where('successor_hash', '=', staleSuccessorHash)
        .where('successor_answer', 'is', null)
        .where('rotated_at', '>', at - graceMs)
        .where('grace_used_at', 'is', null)
        .where('expires_at', '>', at)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('oauth_refresh_tokens as successor')
                .select(sql`1`.as('one'))
                .where('successor.token_hash', '=', staleSuccessorHash)
                .where('successor.rotated_at', 'is not', null),
            ),
          ),
        )
        .returning(['grant_id', 'sealed'])
        .executeTakeFirst();
      if (!taken) return undefined;
      // The stale successor, if it was saved, counts as used: whoever presents it is replaying.
      await db
        .updateTable('oauth_refresh_tokens')
        .set({ rotated_at: at, grace_used_at: at })
        .where('token_hash', '=', staleSuccessorHash)
        .execute();
      return { grantId: taken.grant_id, sealed: taken.sealed };
    },
    async deleteAccess(tokenHash) {
      const row = await db
        .deleteFrom('oauth_access_tokens')
        .where('token_hash', '=', tokenHash)
        .returning('grant_id')
        .executeTakeFirst();
      return row?.grant_id;
    },
    async findRefresh(tokenHash, at) {
      const [row] = await findRefreshRow(tokenHash, at);
      return row ? { grantId: row.grant_id, sealed: row.sealed } : undefined;
    },
    async findRefreshGrant(tokenHash, at) {
      const row = await db
        .selectFrom('oauth_refresh_tokens')
        .select('grant_id')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      return row?.grant_id;
    },
  };
}

export function createSqlClientBlockStore({ db }: SqlDatabase): ClientBlockStore {
  // A host and a client id cannot collide: the host's key carries a prefix no client_id can start with.
  const keyOf = (key: string, kind: ClientBlock['kind']) => (kind === 'host' ? `host ${key}` : key);
  return {
    async list() {
      const rows = await db.selectFrom('blocked_clients').selectAll().orderBy('created_at').execute();
      return rows.map((row) => ({
        key: row.kind === 'host' ? row.key.slice('host '.length) : row.key,
        kind: row.kind,
        createdAt: Number(row.created_at),
        createdBy: row.created_by,
      }));
    },
    async add(block) {
      const result = await db
        .insertInto('blocked_clients')
        .values({
          key: keyOf(block.key, block.kind),
          kind: block.kind,
          created_at: block.createdAt,
          created_by: block.createdBy,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async remove(key, kind) {
      const result = await db
        .deleteFrom('blocked_clients')
        .where('key', '=', keyOf(key, kind))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
