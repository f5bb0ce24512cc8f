import { type OutboundDeps, safeFetch } from '../lib/net/safe-fetch';
import type { PublicJwks } from './client-metadata';

/** Where a `private_key_jwt` client's public keys come from: its `jwks_uri`, fetched and cached. */
export interface ClientKeySource {
  /** The key set at `jwksUri`; `fresh` asks for a new fetch (an unknown `kid`), at most once a cooldown. */
  fetch(jwksUri: string, options?: { fresh?: boolean }): Promise<PublicJwks>;
}

export interface ClientKeySourceOptions {
  outbound: OutboundDeps;
  now: () => number;
  /** development and tests only: key sets on loopback */
  allowLoopback?: boolean;
  ttlMs?: number;
  /** how soon an unknown kid may trigger another fetch of the same URI */
  refetchCooldownMs?: number;
  timeoutMs?: number;
}

export class ClientKeysUnavailable extends Error {
  override name = 'ClientKeysUnavailable';
}

const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 5_000;
const MAX_CACHED = 500;

/**
 * Fetches key sets through the SSRF guard (public addresses only, no redirects, 64 KB, 5 s) and keeps them
 * in memory for `ttlMs` (default 5 min): safe to lose, so per process. A key rotation shows as an unknown
 * `kid`; the caller then asks for a fresh copy, which a cooldown bounds so assertions with made-up kids
 * cannot make Gatehouse fetch on every request.
 */
export function createClientKeySource(options: ClientKeySourceOptions): ClientKeySource {
  const ttlMs = options.ttlMs ?? 300_000;
  const cooldownMs = options.refetchCooldownMs ?? 30_000;
  const cache = new Map<string, { jwks: PublicJwks; fetchedAt: number }>();

  async function load(jwksUri: string): Promise<PublicJwks> {
    let url: URL;
    try {
      url = new URL(jwksUri);
    } catch {
      throw new ClientKeysUnavailable('the jwks_uri is not a URL');
    }
    const answer = await safeFetch(
      url,
      {
        maxBytes: MAX_BYTES,
        timeoutMs: options.timeoutMs ?? TIMEOUT_MS,
        allowLoopback: options.allowLoopback ?? false,
      },
      options.outbound,
    ).catch((error: unknown) => {
      throw new ClientKeysUnavailable(error instanceof Error ? error.message : 'the request failed');
    });
    if (answer.status !== 200) throw new ClientKeysUnavailable(`the jwks_uri answered HTTP ${answer.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      throw new ClientKeysUnavailable('the jwks_uri did not answer JSON');
    }
    const keys = (parsed as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((key) => key && typeof key === 'object'))
      throw new ClientKeysUnavailable('the jwks_uri did not answer a JSON Web Key Set');
    return { keys: keys as PublicJwks['keys'] };
  }

  return {
    async fetch(jwksUri, { fresh = false } = {}) {
      const now = options.now();
      const cached = cache.get(jwksUri);
      const age = cached ? now - cached.fetchedAt : Number.POSITIVE_INFINITY;
      if (cached && age < ttlMs && !(fresh && age >= cooldownMs)) return cached.jwks;
      const jwks = await load(jwksUri);
      cache.delete(jwksUri);
      cache.set(jwksUri, { jwks, fetchedAt: now });
      // Bounded: the oldest entry goes first (a Map iterates in insertion order).
      if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
      return jwks;
    },
  };
}
