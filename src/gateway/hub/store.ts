import type { CatalogEntryConfig } from '../../config/hub-schema';

/** The part of an entry an admin edits (everything but its slug). */
export type CatalogDefinition = Omit<CatalogEntryConfig, 'slug'>;

/** One catalog entry as stored: seeded from config, or created and edited by an admin. */
export interface CatalogRecord {
  slug: string;
  definition: CatalogDefinition;
  /** config: as the config file says; edited: an admin changed a config entry; admin: made in the console */
  source: 'config' | 'edited' | 'admin';
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
  updatedBy: string | null;
  deletedAt: number | null;
}

export interface CatalogStore {
  /** every entry, soft-deleted ones included */
  list(): Promise<CatalogRecord[]>;
  get(slug: string): Promise<CatalogRecord | undefined>;
  /** false when the slug is taken (by a live or a soft-deleted entry) */
  create(record: CatalogRecord): Promise<boolean>;
  /** replaces an entry's definition and source; false when it does not exist */
  update(
    slug: string,
    change: Pick<CatalogRecord, 'definition' | 'source' | 'updatedAt' | 'updatedBy' | 'deletedAt'>,
  ): Promise<boolean>;
}

/** A user's connection to one catalog entry; the credential is sealed (AES-GCM, bound to user and entry). */
export interface ConnectionRecord {
  id: string;
  userHash: string;
  slug: string;
  status: 'active' | 'broken';
  /** space-separated scopes the upstream granted */
  scopes: string;
  /** sealed ConnectionSecret */
  sealed: string;
  /** when the upstream access token expires (null: unknown or never) */
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** why it broke (invalid_grant, revoked, drift), readable by the user */
  lastError: string | null;
}

export interface ConnectionStore {
  get(userHash: string, slug: string): Promise<ConnectionRecord | undefined>;
  listByUser(userHash: string): Promise<ConnectionRecord[]>;
  /** inserts or replaces the user's connection to that entry */
  put(record: ConnectionRecord): Promise<void>;
  /**
   * Replaces the credential only if the row still holds `expectedSealed` (compare-and-set): a refresh that
   * lost a race to another instance does not overwrite the winner's tokens.
   */
  replaceSecret(
    id: string,
    expectedSealed: string,
    change: Pick<ConnectionRecord, 'sealed' | 'expiresAt' | 'scopes' | 'updatedAt'>,
  ): Promise<boolean>;
  markBroken(id: string, reason: string, at: number): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** connections whose access token expires before `at` (the sweep refreshes them) */
  listExpiring(at: number, limit: number): Promise<ConnectionRecord[]>;
  /** how many users connected each entry */
  countBySlug(): Promise<Map<string, number>>;
}

/** Gatehouse's own registration at an upstream authorization server, keyed by that server's issuer. */
export interface UpstreamClientRecord {
  issuer: string;
  method: 'cimd' | 'dcr' | 'static';
  clientId: string;
  /** sealed client secret (DCR confidential clients), or null */
  sealedSecret: string | null;
  createdAt: number;
}

export interface UpstreamClientStore {
  get(issuer: string): Promise<UpstreamClientRecord | undefined>;
  /** keeps the first registration when two instances register at once; returns the one kept */
  put(record: UpstreamClientRecord): Promise<UpstreamClientRecord>;
  delete(issuer: string): Promise<void>;
}
