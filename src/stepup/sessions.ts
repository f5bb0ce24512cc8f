import { type HmacKey, hmacSha256, type KeyRing, randomId } from '../crypto';
import type { EphemeralStore } from '../store';

/** `connect`: no working connection (none, or a broken one); `scopes`: connected, but not enough access. */
export type StepUpKind = 'connect' | 'scopes';

/** A request to the user to grant more access (or reconnect), bound to the user and client that hit it. */
export interface StepUpSession {
  kind: StepUpKind;
  userId: string;
  clientId: string;
  /** the catalog entry whose connection must change */
  slug: string;
  /** the tool whose call triggered it (the hub's name for it) */
  tool: string;
  /** why: the upstream's own error, shown to the user */
  reason: string;
  /** scopes the upstream's challenge named, if any */
  wanted: string[];
  /** the 2025-era MCP session to tell when done (`notifications/elicitation/complete`) */
  legacySession?: string;
  createdAt: number;
  expiresAt: number;
  completedAt: number | null;
}

const VALID_MS = 10 * 60_000;
/** Kept past expiry so an expired link says "expired" rather than "unknown". */
const KEPT_MS = 60 * 60_000;
const ID = /^[\w-]{32}$/;

/**
 * Step-up sessions: stored sealed under an opaque id (the URL carries nothing else — no credential, no
 * PII), valid ten minutes, completed once. The store key is an HMAC of the id: the database alone cannot
 * turn rows into working links.
 */
export function createStepUpSessions(deps: {
  store: EphemeralStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  now(): number;
}) {
  const key = async (id: string) => `stepup:${await hmacSha256(deps.hmacKey, `stepup|${id}`)}`;
  const write = async (id: string, session: StepUpSession) =>
    deps.store.set(
      await key(id),
      await deps.keyRing.encrypt(JSON.stringify(session), `stepup|${id}`),
      KEPT_MS,
    );
  return {
    async create(input: Omit<StepUpSession, 'createdAt' | 'expiresAt' | 'completedAt'>): Promise<string> {
      const id = randomId(24);
      const at = deps.now();
      await write(id, { ...input, createdAt: at, expiresAt: at + VALID_MS, completedAt: null });
      return id;
    },
    /** The session, or undefined for an id that is malformed, unknown or tampered with. */
    async get(id: string): Promise<StepUpSession | undefined> {
      if (!ID.test(id)) return undefined;
      const sealed = await deps.store.get(await key(id));
      if (!sealed) return undefined;
      try {
        return JSON.parse(await deps.keyRing.decrypt(sealed, `stepup|${id}`)) as StepUpSession;
      } catch {
        return undefined;
      }
    },
    async complete(id: string, session: StepUpSession): Promise<void> {
      await write(id, { ...session, completedAt: deps.now() });
    },
    /** Whether the session is past its ten minutes, by this Gatehouse's clock. */
    expired: (session: StepUpSession) => isExpired(session, deps.now()),
    /** How many step-ups this user was asked for this tool recently (a loop stops at three). */
    async count(userId: string, tool: string): Promise<number> {
      const counter = await deps.store.increment(
        `stepup-count:${await hmacSha256(deps.hmacKey, `${userId}|${tool}`)}`,
        VALID_MS,
      );
      return counter.count;
    },
  };
}

export type StepUpSessions = ReturnType<typeof createStepUpSessions>;
export const isExpired = (session: StepUpSession, at: number) => at >= session.expiresAt;
