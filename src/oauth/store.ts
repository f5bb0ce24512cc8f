/**
 * The storage ports the authorization server needs. Every token, code and secret arrives here already
 * hashed; every private field already sealed (AES-GCM). Drivers never see plaintext credentials.
 */

export interface StoredClient {
  clientId: string;
  kind: 'dcr' | 'static';
  secretHash: string | null;
  /** RFC 7591 client metadata as registered (public information) */
  metadata: Record<string, unknown>;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number | null;
}

export interface ClientStore {
  get(clientId: string, at: number): Promise<StoredClient | undefined>;
  create(client: StoredClient): Promise<void>;
  /** Records use and pushes the unused-expiry forward. */
  touch(clientId: string, at: number, expiresAt: number | null): Promise<void>;
  delete(clientId: string): Promise<boolean>;
  list(kind: 'dcr' | 'static'): Promise<StoredClient[]>;
}

export interface CodeRecord {
  codeHash: string;
  clientId: string;
  sealed: string;
  expiresAt: number;
}

export type CodeConsumeResult =
  | { status: 'ok'; clientId: string; sealed: string }
  | { status: 'replayed'; grantId: string | null }
  | { status: 'unknown' };

export interface CodeStore {
  save(code: CodeRecord): Promise<void>;
  /**
   * Marks the code used and names the grant it will produce, in one statement: of N concurrent callers one
   * gets 'ok', the rest 'replayed' with that grant id (RFC 9700 §4.5), and the code is marked replayed.
   */
  consume(codeHash: string, at: number, grantId: string): Promise<CodeConsumeResult>;
  /** Whether a replay of this code has been seen (the winner checks once its grant exists). */
  wasReplayed(codeHash: string): Promise<boolean>;
}

export interface GrantRecord {
  id: string;
  userHash: string;
  clientId: string;
  sealed: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

export interface GrantStore {
  create(grant: GrantRecord): Promise<void>;
  get(id: string, at: number): Promise<GrantRecord | undefined>;
  listByUser(userHash: string, at: number): Promise<GrantRecord[]>;
  /** Touches the grant and extends its life (refresh). */
  touch(id: string, at: number, expiresAt: number): Promise<void>;
  /** Deletes the grant with every access and refresh token of it. Returns whether it existed. */
  revoke(id: string): Promise<boolean>;
  /** Grant ids of a (user, client) pair, to replace them by a new authorization. */
  idsFor(userHash: string, clientId: string): Promise<string[]>;
  /** Live grant ids of a client (an admin's block revokes them). */
  idsForClient(clientId: string, at: number): Promise<string[]>;
  /** Per client with live grants: how many users, and the last use (the admin's clients page). */
  usageByClient(at: number): Promise<ClientUsage[]>;
}

export interface ClientUsage {
  clientId: string;
  users: number;
  lastUsedAt: number;
}

export interface AccessTokenRecord {
  tokenHash: string;
  grantId: string;
  sealed: string;
  expiresAt: number;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  grantId: string;
  previousHash: string | null;
  sealed: string;
  expiresAt: number;
}

export type RefreshRotation =
  | { status: 'rotated'; grantId: string; sealed: string }
  /** rotated within the grace and its successor not used yet: the same client asking again */
  | { status: 'recently-rotated'; grantId: string; successorHash: string; answer: string | null }
  | { status: 'replayed'; grantId: string }
  | { status: 'unknown' };

export interface TokenStore {
  saveAccess(token: AccessTokenRecord): Promise<void>;
  findAccess(tokenHash: string, at: number): Promise<AccessTokenRecord | undefined>;
  /**
   * Saves a refresh token. A successor (with `previousHash`) is saved only while its parent still names
   * it as its successor; false when a parallel rotation chose another.
   */
  saveRefresh(token: RefreshTokenRecord): Promise<boolean>;
  /**
   * Marks a refresh token rotated and records `successorHash`, atomically (one winner). A token rotated
   * within `graceMs` whose successor is unused is 'recently-rotated' (with the winner's sealed answer once
   * stored); any other reuse is 'replayed'.
   */
  rotateRefresh(
    tokenHash: string,
    at: number,
    graceMs: number,
    successorHash: string,
  ): Promise<RefreshRotation>;
  /** Stores the winner's sealed answer on the rotated row, while the row still names that successor. */
  saveRefreshAnswer(tokenHash: string, successorHash: string, answer: string): Promise<void>;
  /** A recently rotated token's state again (the winner's answer may have arrived since). */
  readRecentRotation(tokenHash: string, at: number, graceMs: number): Promise<RefreshRotation>;
  /**
   * The winner never answered (it died after rotating): once per token, within the grace, a compare-and-set
   * names `successorHash` instead of `staleSuccessorHash`, whose row (if saved) then counts as used.
   */
  takeOverRotation(
    tokenHash: string,
    at: number,
    graceMs: number,
    staleSuccessorHash: string,
    successorHash: string,
  ): Promise<{ grantId: string; sealed: string } | undefined>;
  /** Deletes one token; returns its grant id when it existed. */
  deleteAccess(tokenHash: string): Promise<string | undefined>;
  findRefreshGrant(tokenHash: string, at: number): Promise<string | undefined>;
  /** An unexpired refresh token's grant and sealed claims, without rotating it (checks come first). */
  findRefresh(tokenHash: string, at: number): Promise<{ grantId: string; sealed: string } | undefined>;
}

/** A client (by client_id) or every CIMD client of a host, blocked by an admin. */
export interface ClientBlock {
  key: string;
  kind: 'client' | 'host';
  createdAt: number;
  createdBy: string | null;
}

export interface ClientBlockStore {
  list(): Promise<ClientBlock[]>;
  /** false when already blocked */
  add(block: ClientBlock): Promise<boolean>;
  remove(key: string, kind: ClientBlock['kind']): Promise<boolean>;
}
