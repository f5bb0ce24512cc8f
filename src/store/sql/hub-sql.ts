import type {
  CatalogRecord,
  CatalogStore,
  ConnectionRecord,
  ConnectionStore,
  UpstreamClientRecord,
  UpstreamClientStore,
} from '../../gateway/hub/store';
import type { SqlDatabase } from './database';
import type { HubCatalogTable, HubConnectionTable, HubUpstreamClientTable } from './schema';

const nullableNumber = (value: number | null) => (value === null ? null : Number(value));

function toCatalog(row: HubCatalogTable): CatalogRecord {
  return {
    slug: row.slug,
    definition: JSON.parse(row.definition),
    source: row.source,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    deletedAt: nullableNumber(row.deleted_at),
  };
}

export function createSqlCatalogStore({ db }: SqlDatabase): CatalogStore {
  return {
    async list() {
      const rows = await db.selectFrom('hub_catalog').selectAll().orderBy('slug').execute();
      return rows.map(toCatalog);
    },
    async get(slug) {
      const row = await db.selectFrom('hub_catalog').selectAll().where('slug', '=', slug).executeTakeFirst();
      return row && toCatalog(row);
    },
    async create(record) {
      const result = await db
        .insertInto('hub_catalog')
        .values({
          slug: record.slug,
          definition: JSON.stringify(record.definition),
          source: record.source,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
          created_by: record.createdBy,
          updated_by: record.updatedBy,
          deleted_at: record.deletedAt,
        })
        .onConflict((oc) => oc.column('slug').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async update(slug, change) {
      const result = await db
        .updateTable('hub_catalog')
        .set({
          definition: JSON.stringify(change.definition),
          source: change.source,
          updated_at: change.updatedAt,
          updated_by: change.updatedBy,
          deleted_at: change.deletedAt,
        })
        .where('slug', '=', slug)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function toConnection(row: HubConnectionTable): ConnectionRecord {
  return {
    id: row.id,
    userHash: row.user_hash,
    slug: row.slug,
    status: row.status,
    scopes: row.scopes,
    sealed: row.sealed,
    expiresAt: nullableNumber(row.expires_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastError: row.last_error,
  };
}

export function createSqlConnectionStore({ db }: SqlDatabase): ConnectionStore {
  return {
    async get(userHash, slug) {
      const row = await db
        .selectFrom('hub_connections')
        .selectAll()
        .where('user_hash', '=', userHash)
        .where('slug', '=', slug)
        .executeTakeFirst();
      return row && toConnection(row);
    },
    async listByUser(userHash) {
      const rows = await db
        .selectFrom('hub_connections')
        .selectAll()
        .where('user_hash', '=', userHash)
        .orderBy('slug')
        .execute();
      return rows.map(toConnection);
    },
    async put(record) {
      const values = {
        id: record.id,
        user_hash: record.userHash,
        slug: record.slug,
        status: record.status,
        scopes: record.scopes,
        sealed: record.sealed,
        expires_at: record.expiresAt,
        created_at: record.createdAt,
        updated_at: record.updatedAt,
        last_error: record.lastError,
      };
      const { id: _id, user_hash: _user, slug: _slug, created_at: _created, ...changes } = values;
      await db
        .insertInto('hub_connections')
        .values(values)
        .onConflict((oc) => oc.columns(['user_hash', 'slug']).doUpdateSet(changes))
        .execute();
    },
    async replaceSecret(id, expectedSealed, change) {
      const result = await db
        .updateTable('hub_connections')
        .set({
          sealed: change.sealed,
          expires_at: change.expiresAt,
          scopes: change.scopes,
          updated_at: change.updatedAt,
          status: 'active',
          last_error: null,
        })
        .where('id', '=', id)
        .where('sealed', '=', expectedSealed)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markBroken(id, reason, at) {
      await db
        .updateTable('hub_connections')
        .set({ status: 'broken', last_error: reason, updated_at: at })
        .where('id', '=', id)
        .execute();
    },
    async delete(id) {
      const result = await db.deleteFrom('hub_connections').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async listExpiring(at, limit) {
      const rows = await db
        .selectFrom('hub_connections')
        .selectAll()
        .where('status', '=', 'active')
        .where('expires_at', 'is not', null)
        .where('expires_at', '<=', at)
        .orderBy('expires_at')
        .limit(limit)
        .execute();
      return rows.map(toConnection);
    },
    async countBySlug() {
      const rows = await db
        .selectFrom('hub_connections')
        .select(['slug', (eb) => eb.fn.countAll<number | string>().as('users')])
        .groupBy('slug')
        .execute();
      return new Map(rows.map((row) => [row.slug, Number(row.users)]));
    },
  };
}

function toUpstreamClient(row: HubUpstreamClientTable): UpstreamClientRecord {
  return {
    issuer: row.issuer,
    method: row.method,
    clientId: row.client_id,
    sealedSecret: row.sealed_secret,
    createdAt: Number(row.created_at),
  };
}

export function createSqlUpstreamClientStore({ db }: SqlDatabase): UpstreamClientStore {
  const get = async (issuer: string) => {
    const row = await db
      .selectFrom('hub_upstream_clients')
      .selectAll()
      .where('issuer', '=', issuer)
      .executeTakeFirst();
    return row && toUpstreamClient(row);
  };
  return {
    get,
    async put(record) {
      await db
        .insertInto('hub_upstream_clients')
        .values({
          issuer: record.issuer,
          method: record.method,
          client_id: record.clientId,
          sealed_secret: record.sealedSecret,
          created_at: record.createdAt,
        })
        .onConflict((oc) => oc.column('issuer').doNothing())
        .execute();
      return (await get(record.issuer)) ?? record;
    },
    async delete(issuer) {
      await db.deleteFrom('hub_upstream_clients').where('issuer', '=', issuer).execute();
    },
  };
}
