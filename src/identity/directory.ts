import { type HmacKey, hmacSha256, type KeyRing, randomId } from '../crypto';
import type { Identity, UpstreamTokens } from './identity';
import type { UserRecord, UserStore } from './store';

/** A user's profile as sealed in the users table: what the IdP said at the last login or check. */
export type Profile = Identity;

export interface UserDirectory {
  /** Creates or updates the user for a verified login. Returns the user id and the profile stored before. */
  recordLogin(
    profile: Profile,
    tokens: UpstreamTokens | undefined,
  ): Promise<{ userId: string; previous: Profile | undefined }>;
  get(userId: string): Promise<UserRecord | undefined>;
  /** The user an identity maps to, if they signed in before. */
  find(identity: Identity): Promise<UserRecord | undefined>;
  profile(record: UserRecord): Promise<Profile>;
  tokens(record: UserRecord): Promise<UpstreamTokens | undefined>;
  /** Compare-and-set of the tokens (and profile, when given); false when another writer got there first. */
  updateTokens(record: UserRecord, tokens: UpstreamTokens | null, profile?: Profile): Promise<boolean>;
  /** Drops the user's upstream tokens and ends every browser session they have. */
  endEverything(userId: string): Promise<void>;
  findByEmail(email: string): Promise<UserRecord[]>;
  /** Users holding upstream tokens last re-validated before `before`. */
  stale(before: number, limit: number): Promise<UserRecord[]>;
  /** Users by most recent sign-in (the admin page). */
  list(limit: number, offset: number): Promise<UserRecord[]>;
  /** An admin's block (at) or unblock (null); false when there is no such user. */
  setBlocked(userId: string, at: number | null): Promise<boolean>;
}

/**
 * Users keyed by an HMAC of (IdP, subject). The id everywhere else is random and opaque; email, name, groups
 * and upstream tokens are sealed with AES-GCM bound to the user id.
 */
export function createUserDirectory(deps: {
  store: UserStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  now: () => number;
}): UserDirectory {
  const { store, keyRing, hmacKey, now } = deps;
  const identityKey = (identity: Identity) =>
    hmacSha256(hmacKey, `identity|${identity.idp}|${identity.subject}`);
  const emailHash = (email: string) => hmacSha256(hmacKey, `email|${email.trim().toLowerCase()}`);
  const seal = (value: unknown, userId: string, purpose: string) =>
    keyRing.encrypt(JSON.stringify(value), `user:${userId}:${purpose}`);
  const unseal = async <T>(sealed: string, userId: string, purpose: string) =>
    JSON.parse(await keyRing.decrypt(sealed, `user:${userId}:${purpose}`)) as T;

  const directory: UserDirectory = {
    async recordLogin(profile, tokens) {
      const at = now();
      const key = await identityKey(profile);
      const existing = await store.findByIdentity(key);
      const id = existing?.id ?? `u_${randomId(16)}`;
      const previous = existing ? await directory.profile(existing) : undefined;
      await store.save({
        id,
        identityKey: key,
        emailHash: await emailHash(profile.email),
        sealed: await seal(profile, id, 'profile'),
        tokensSealed: tokens ? await seal(tokens, id, 'tokens') : null,
        tokensVersion: (existing?.tokensVersion ?? 0) + 1,
        createdAt: existing?.createdAt ?? at,
        lastLoginAt: at,
        lastCheckedAt: at,
        sessionsValidAfter: existing?.sessionsValidAfter ?? 0,
      });
      return { userId: id, previous };
    },
    get: (userId) => store.get(userId),
    find: async (identity) => store.findByIdentity(await identityKey(identity)),
    profile: (record) => unseal<Profile>(record.sealed, record.id, 'profile'),
    async tokens(record) {
      return record.tokensSealed
        ? unseal<UpstreamTokens>(record.tokensSealed, record.id, 'tokens')
        : undefined;
    },
    async updateTokens(record, tokens, profile) {
      const sealed = tokens ? await seal(tokens, record.id, 'tokens') : null;
      const newProfile = profile && {
        sealed: await seal(profile, record.id, 'profile'),
        emailHash: await emailHash(profile.email),
      };
      return store.updateTokens(record.id, record.tokensVersion, sealed, now(), newProfile);
    },
    async endEverything(userId) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const record = await store.get(userId);
        if (!record) return;
        if (await store.updateTokens(userId, record.tokensVersion, null, now())) {
          await store.endSessionsBefore(userId, now());
          return;
        }
      }
      throw new Error('could not clear the upstream tokens: concurrent writers');
    },
    stale: (before, limit) => store.listStale(before, limit),
    list: (limit, offset) => store.list(limit, offset),
    setBlocked: (userId, at) => store.setBlocked(userId, at),
    async findByEmail(email) {
      return store.findByEmailHash(await emailHash(email));
    },
  };
  return directory;
}
