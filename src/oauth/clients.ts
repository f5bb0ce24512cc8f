import { sha256 } from '../crypto';
import { type OutboundDeps, SafeFetchError, safeFetch } from '../lib/net/safe-fetch';
import { hasControlCharacters } from '../lib/text';
import type { EphemeralStore } from '../store';
import { type CimdPolicy, cacheSeconds, checkCimdUrl, looksLikeCimdUrl, validateCimdDocument } from './cimd';
import type { ClientMetadata, MetadataPolicy, PublicJwks, TokenEndpointAuthMethod } from './client-metadata';
import type { ClientStore } from './store';

/** A client as the authorization server uses it, whichever way it was registered. */
export interface ResolvedClient {
  clientId: string;
  kind: 'static' | 'dcr' | 'cimd';
  metadata: ClientMetadata;
  secretHash: string | null;
  /** for CIMD clients: the host of the client_id URL, which is what the user should trust */
  host?: string;
  /** Gatehouse's own client (the playground): its document is served by this very deployment */
  firstParty?: true;
}

/**
 * A refusal says `reason` on the wire; `detail`, when present, is for the operator's log and audit only
 * (it may name internal addresses or DNS answers, which a client must not learn).
 */
export type ClientLookup =
  | { ok: true; client: ResolvedClient }
  | { ok: false; reason: string; detail?: string };

export interface StaticClientConfig {
  clientId: string;
  clientName: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  clientSecret?: string | undefined;
  /** private_key_jwt: the client's public keys, inline or by URL */
  jwks?: PublicJwks | undefined;
  jwksUri?: string | undefined;
}

export interface ClientRegistryDeps {
  staticClients: readonly StaticClientConfig[];
  store: ClientStore;
  cache: EphemeralStore;
  cimd: CimdPolicy & { maxCacheSeconds: number };
  /** what registered metadata may contain (private-use redirect schemes) */
  metadataPolicy?: MetadataPolicy;
  outbound: OutboundDeps;
  now: () => number;
  /**
   * Gatehouse's own client metadata documents (the playground's), by client_id: resolved from here rather
   * than fetched over the network (the issuer's public name may not be reachable from inside), validated
   * like any other document, and independent of the operator's CIMD switch and host lists.
   */
  firstPartyDocuments?: ReadonlyMap<string, Record<string, unknown>>;
  /** why an admin blocked this client (or its CIMD host), if they did */
  blocked?: (clientId: string) => Promise<string | undefined>;
}

const CIMD_MAX_BYTES = 5 * 1024;
const CIMD_TIMEOUT_MS = 10_000;

export interface ClientRegistry {
  resolve(clientId: string): Promise<ClientLookup>;
}

export async function createClientRegistry(deps: ClientRegistryDeps): Promise<ClientRegistry> {
  const configured = new Map<string, ResolvedClient>();
  for (const entry of deps.staticClients) {
    configured.set(entry.clientId, {
      clientId: entry.clientId,
      kind: 'static',
      secretHash: entry.clientSecret ? await sha256(entry.clientSecret) : null,
      metadata: {
        client_name: entry.clientName,
        redirect_uris: entry.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: entry.tokenEndpointAuthMethod,
        ...(entry.jwks ? { jwks: entry.jwks } : {}),
        ...(entry.jwksUri ? { jwks_uri: entry.jwksUri } : {}),
      },
    });
  }

  async function resolveCimd(clientId: string): Promise<ClientLookup> {
    const own = deps.firstPartyDocuments?.get(clientId);
    if (own) {
      const check = validateCimdDocument(JSON.stringify(own), clientId);
      if (!check.ok)
        return { ok: false, reason: `Gatehouse's own client document is invalid: ${check.reason}` };
      const host = new URL(clientId).host;
      return {
        ok: true,
        client: {
          clientId,
          kind: 'cimd',
          metadata: check.metadata,
          secretHash: null,
          host,
          firstParty: true,
        },
      };
    }
    const urlCheck = checkCimdUrl(clientId, deps.cimd);
    if (!urlCheck.ok) return urlCheck;
    const host = urlCheck.url.host;
    const cacheKey = `cimd:${await sha256(clientId)}`;
    const cached = await deps.cache.get(cacheKey);
    if (cached !== undefined) {
      const check = validateCimdDocument(cached, clientId, deps.metadataPolicy);
      if (check.ok)
        return {
          ok: true,
          client: { clientId, kind: 'cimd', metadata: check.metadata, secretHash: null, host },
        };
      await deps.cache.delete(cacheKey); // a cached document that stops validating is evicted
    }
    let fetched: { status: number; headers: Record<string, string>; text: string };
    try {
      fetched = await safeFetch(
        urlCheck.url,
        {
          maxBytes: CIMD_MAX_BYTES,
          timeoutMs: CIMD_TIMEOUT_MS,
          allowLoopback: deps.cimd.allowLoopbackDocuments,
        },
        deps.outbound,
      );
    } catch (error) {
      // Which name resolves, and to what kind of address, stays in the log: on the wire it would make
      // this endpoint an oracle for the operator's internal DNS.
      const detail = error instanceof SafeFetchError ? error.message : 'the request failed';
      return { ok: false, reason: 'the client metadata document could not be fetched', detail };
    }
    if (fetched.status !== 200) {
      return { ok: false, reason: `the client metadata document answered HTTP ${fetched.status}` };
    }
    const check = validateCimdDocument(fetched.text, clientId, deps.metadataPolicy);
    if (!check.ok) return { ok: false, reason: `the client metadata document is invalid: ${check.reason}` };
    const seconds = cacheSeconds(fetched.headers['cache-control'], deps.cimd.maxCacheSeconds);
    if (seconds > 0) await deps.cache.set(cacheKey, fetched.text, seconds * 1000);
    return { ok: true, client: { clientId, kind: 'cimd', metadata: check.metadata, secretHash: null, host } };
  }

  return {
    async resolve(clientId) {
      if (!clientId || clientId.length > 2048)
        return { ok: false, reason: 'client_id is missing or too long' };
      // No stored identifier has control characters, and PostgreSQL text cannot hold a NUL at all.
      if (hasControlCharacters(clientId)) return { ok: false, reason: 'unknown client_id' };
      const blocked = await deps.blocked?.(clientId);
      if (blocked) return { ok: false, reason: blocked };
      const fromConfig = configured.get(clientId);
      if (fromConfig) return { ok: true, client: fromConfig };
      if (looksLikeCimdUrl(clientId)) return resolveCimd(clientId);
      const stored = await deps.store.get(clientId, deps.now());
      if (!stored) return { ok: false, reason: 'unknown client_id' };
      return {
        ok: true,
        client: {
          clientId,
          kind: stored.kind,
          metadata: stored.metadata as unknown as ClientMetadata,
          secretHash: stored.secretHash,
        },
      };
    },
  };
}
