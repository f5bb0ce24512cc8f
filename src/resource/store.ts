/**
 * The storage port for personal access tokens. Tokens arrive hashed (SHA-256) and their details sealed;
 * the owner is the HMAC of the user id, as for grants.
 */
export interface PatRecord {
  /** public id (`pat_…`), used to list and revoke */
  id: string;
  tokenHash: string;
  userHash: string;
  /** the first characters of the token (`gth_AbCd…`), to recognise it in a list */
  prefix: string;
  /** AES-GCM: user id, name, scopes, resource */
  sealed: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export interface PatStore {
  create(token: PatRecord): Promise<void>;
  findByHash(tokenHash: string, at: number): Promise<PatRecord | undefined>;
  get(id: string, at: number): Promise<PatRecord | undefined>;
  listByUser(userHash: string, at: number): Promise<PatRecord[]>;
  /** Deletes one token; returns its hash when it existed. */
  delete(id: string): Promise<string | undefined>;
  /** Deletes every token of a user; returns their hashes (to drop cached verifications). */
  deleteByUser(userHash: string): Promise<string[]>;
  /** Records use; at most one write per `minIntervalMs` per token. */
  touch(id: string, at: number, minIntervalMs: number): Promise<void>;
}
