import { type HmacKey, hmacSha256, type KeyRing, randomId } from '../crypto';
import type { EphemeralStore } from '../store';

/** What a `requestState` Gatehouse hands out carries: which step-up a retried call is waiting for. */
export interface StepUpState {
  /** the step-up session id */
  stepUp: string;
  userId: string;
  clientId: string;
  /** the tool the call named (the hub's name) */
  tool: string;
}

/** A requestState is good for one retry, within the step-up's own lifetime. */
const VALID_MS = 10 * 60_000;
const AAD = 'mrtr-request-state';

/**
 * MCP 2026-07-28 multi-round-trip `requestState` for step-ups: sealed with the key ring (AES-256-GCM, so
 * integrity-protected and unreadable to the client), bound to the user, client and tool of the call, and
 * accepted once (its nonce is spent on first use: a replay, even of an untampered state, is refused).
 */
export function createRequestStates(deps: {
  store: EphemeralStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  now(): number;
}) {
  return {
    async issue(state: StepUpState): Promise<string> {
      const sealed = { ...state, nonce: randomId(16), expiresAt: deps.now() + VALID_MS };
      return deps.keyRing.encrypt(JSON.stringify(sealed), AAD);
    },
    /**
     * The state a retry echoed: `foreign` if Gatehouse did not seal it (an upstream's own, or tampered with),
     * `refused` if it is Gatehouse's but for another user, client or tool, expired, or already used.
     */
    async redeem(
      requestState: string,
      call: { userId: string; clientId: string; tool: string },
    ): Promise<StepUpState | 'foreign' | 'refused'> {
      let sealed: StepUpState & { nonce: string; expiresAt: number };
      try {
        sealed = JSON.parse(await deps.keyRing.decrypt(requestState, AAD));
      } catch {
        return 'foreign';
      }
      if (
        sealed.userId !== call.userId ||
        sealed.clientId !== call.clientId ||
        sealed.tool !== call.tool ||
        !(deps.now() < sealed.expiresAt)
      )
        return 'refused';
      const spent = await deps.store.increment(
        `mrtr-state:${await hmacSha256(deps.hmacKey, `mrtr|${sealed.nonce}`)}`,
        VALID_MS,
      );
      if (spent.count !== 1) return 'refused';
      return { stepUp: sealed.stepUp, userId: sealed.userId, clientId: sealed.clientId, tool: sealed.tool };
    },
  };
}

export type RequestStates = ReturnType<typeof createRequestStates>;
