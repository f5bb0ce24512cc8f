import { type KeyRing, randomId, sha256 } from '../crypto';
import type { EphemeralStore } from '../store';
import type { User } from './user';

export interface SessionOptions {
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
}

export interface Session {
  id: string;
  user: User;
  createdAt: number;
}

interface StoredSession {
  user: User;
  createdAt: number;
}

export interface SessionManager {
  /** Starts a new session (a fresh id at every login: no fixation). Returns the cookie value. */
  create(user: User): Promise<string>;
  /** The live session for a cookie value, sliding its idle timeout; undefined when absent or expired. */
  get(cookieValue: string | undefined): Promise<Session | undefined>;
  destroy(cookieValue: string | undefined): Promise<void>;
}

/**
 * Server-side browser sessions in the shared ephemeral store, keyed by the SHA-256 of the cookie value
 * (a leaked database row cannot be replayed as a cookie), the user sealed with AES-GCM.
 */
export function createSessionManager(
  store: EphemeralStore,
  keyRing: KeyRing,
  options: SessionOptions,
  now: () => number,
): SessionManager {
  const key = async (cookieValue: string) => `session:${await sha256(cookieValue)}`;
  const ttl = (createdAt: number) =>
    Math.min(options.idleTimeoutSeconds * 1000, createdAt + options.absoluteTimeoutSeconds * 1000 - now());

  return {
    async create(user) {
      const cookieValue = randomId();
      const createdAt = now();
      const sealed = await keyRing.encrypt(
        JSON.stringify({ user, createdAt } satisfies StoredSession),
        'session',
      );
      await store.set(await key(cookieValue), sealed, ttl(createdAt));
      return cookieValue;
    },
    async get(cookieValue) {
      if (!cookieValue || cookieValue.length > 100) return undefined;
      const storeKey = await key(cookieValue);
      const sealed = await store.get(storeKey);
      if (!sealed) return undefined;
      let stored: StoredSession;
      try {
        stored = JSON.parse(await keyRing.decrypt(sealed, 'session')) as StoredSession;
      } catch {
        await store.delete(storeKey);
        return undefined;
      }
      const remaining = ttl(stored.createdAt);
      if (remaining <= 0) {
        await store.delete(storeKey);
        return undefined;
      }
      await store.set(storeKey, sealed, remaining);
      return { id: cookieValue, user: stored.user, createdAt: stored.createdAt };
    },
    async destroy(cookieValue) {
      if (cookieValue) await store.delete(await key(cookieValue));
    },
  };
}
