/**
 * Kysely table types. Every timestamp is milliseconds since the epoch (bigint in PostgreSQL,
 * integer in SQLite). See docs/storage-schema.md for what each column holds.
 */
export interface EphemeralValueTable {
  key: string;
  value: string;
  expires_at: number;
}

export interface EphemeralCounterTable {
  key: string;
  count: number;
  expires_at: number;
}

export interface OAuthClientTable {
  client_id: string;
  kind: 'dcr' | 'static';
  secret_hash: string | null;
  metadata: string;
  created_at: number;
  last_used_at: number;
  expires_at: number | null;
}

export interface OAuthGrantTable {
  id: string;
  user_hash: string;
  client_id: string;
  sealed: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface OAuthCodeTable {
  code_hash: string;
  client_id: string;
  sealed: string;
  expires_at: number;
  used_at: number | null;
  grant_id: string | null;
  replayed_at: number | null;
}

export interface OAuthAccessTokenTable {
  token_hash: string;
  grant_id: string;
  sealed: string;
  expires_at: number;
}

export interface OAuthRefreshTokenTable {
  token_hash: string;
  grant_id: string;
  previous_hash: string | null;
  sealed: string;
  expires_at: number;
  rotated_at: number | null;
  grace_used_at: number | null;
  successor_hash: string | null;
  successor_answer: string | null;
}

export interface UserTable {
  id: string;
  identity_key: string;
  email_hash: string;
  sealed: string;
  tokens_sealed: string | null;
  tokens_version: number;
  created_at: number;
  last_login_at: number;
  last_checked_at: number;
  sessions_valid_after: number;
  blocked_at?: number | null;
}

/** Clients (by client_id) and CIMD hosts (by host) an admin has blocked. */
export interface BlockedClientTable {
  key: string;
  kind: 'client' | 'host';
  created_at: number;
  created_by: string | null;
}

export interface AuditEventTable {
  id: string;
  at: number;
  event: string;
  user_id: string | null;
  client_id: string | null;
  resource: string | null;
  ip: string | null;
  reason: string | null;
  details: string;
}

export interface PersonalAccessTokenTable {
  id: string;
  token_hash: string;
  user_hash: string;
  prefix: string;
  sealed: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

export interface HubCatalogTable {
  slug: string;
  definition: string;
  source: 'config' | 'edited' | 'admin';
  created_at: number;
  updated_at: number;
  created_by: string | null;
  updated_by: string | null;
  deleted_at: number | null;
}

export interface HubConnectionTable {
  id: string;
  user_hash: string;
  slug: string;
  status: 'active' | 'broken';
  scopes: string;
  sealed: string;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  last_error: string | null;
}

export interface HubUpstreamClientTable {
  issuer: string;
  method: 'cimd' | 'dcr' | 'static';
  client_id: string;
  sealed_secret: string | null;
  created_at: number;
}

export interface Database {
  ephemeral_values: EphemeralValueTable;
  ephemeral_counters: EphemeralCounterTable;
  oauth_clients: OAuthClientTable;
  oauth_grants: OAuthGrantTable;
  oauth_codes: OAuthCodeTable;
  oauth_access_tokens: OAuthAccessTokenTable;
  oauth_refresh_tokens: OAuthRefreshTokenTable;
  users: UserTable;
  blocked_clients: BlockedClientTable;
  audit_events: AuditEventTable;
  personal_access_tokens: PersonalAccessTokenTable;
  hub_catalog: HubCatalogTable;
  hub_connections: HubConnectionTable;
  hub_upstream_clients: HubUpstreamClientTable;
}
