/**
 * The storage port the identity concern needs. Users are keyed by an HMAC of (IdP, subject); profile and
 * upstream tokens arrive already sealed (AES-GCM), so the driver never sees an email or a token.
 */
export interface UserRecord {
  /** opaque id used everywhere else (`u_…`) */
  id: string;
  /** HMAC of `idp|subject`: finds the user at login without storing the subject in clear */
  identityKey: string;
  /** HMAC of the lower-cased email, so an admin can look a user up by email */
  emailHash: string;
  /** sealed profile: idp, subject, email, emailVerified, name, groups */
  sealed: string;
  /** sealed upstream (IdP) tokens, or null when none are kept */
  tokensSealed: string | null;
  /** bumped at each tokens update: a compare-and-set guard between instances */
  tokensVersion: number;
  createdAt: number;
  lastLoginAt: number;
  lastCheckedAt: number;
  /** sessions created before this instant are dead (set by a drift revocation) */
  sessionsValidAfter: number;
  /** when an admin blocked the user (no sign-in until unblocked); absent or null when not blocked */
  blockedAt?: number | null;
}

export interface UserStore {
  get(id: string): Promise<UserRecord | undefined>;
  findByIdentity(identityKey: string): Promise<UserRecord | undefined>;
  findByEmailHash(emailHash: string): Promise<UserRecord[]>;
  /** Inserts or replaces the whole record (by id). */
  save(user: UserRecord): Promise<void>;
  /**
   * Replaces the tokens (and, when given, the profile) in one statement, only if the version is still
   * `expectedVersion`; false when another writer won.
   */
  updateTokens(
    id: string,
    expectedVersion: number,
    tokensSealed: string | null,
    checkedAt: number,
    profile?: { sealed: string; emailHash: string },
  ): Promise<boolean>;
  /** Users by most recent sign-in, for the admin page. */
  list(limit: number, offset: number): Promise<UserRecord[]>;
  /** Blocks (at) or unblocks (null) a user; not touched by `save`. */
  setBlocked(id: string, at: number | null): Promise<boolean>;
  /** Ends every browser session of the user started before `at`. */
  endSessionsBefore(id: string, at: number): Promise<void>;
  /** Users holding upstream tokens whose last re-validation is older than `before`, oldest first. */
  listStale(before: number, limit: number): Promise<UserRecord[]>;
}
