import {
  type AuthorizationServerMetadata,
  exchangeAuthorization,
  type OAuthClientInformationMixed,
  type OAuthTokens,
  refreshAuthorization,
  registerClient,
  startAuthorization,
  validateAuthorizationResponseIssuer,
} from '@modelcontextprotocol/client';
import type { CatalogAuth } from '../../config/hub-schema';
import type { KeyRing } from '../../crypto';
import { discoverUpstream } from './discovery';
import { type FetchLike, reason, UpstreamAuthError } from './upstream-errors';

export { type FetchLike, UpstreamAuthError } from './upstream-errors';

import type { UpstreamClientRecord, UpstreamClientStore } from './store';

/** What a connection needs to refresh and revoke later without discovering again. */
export interface UpstreamServer {
  issuer: string;
  tokenEndpoint: string;
  revocationEndpoint?: string | undefined;
  authorizationEndpoint: string;
  /** RFC 8707: the upstream MCP server's canonical URI */
  resource: string;
  /** the AS metadata, as the SDK's functions take it */
  metadata: AuthorizationServerMetadata;
  scopesSupported?: string[] | undefined;
  /** the `scope` of the upstream's 401 challenge, when it named one */
  challengeScope?: string | undefined;
}

export interface UpstreamClient {
  method: UpstreamClientRecord['method'];
  clientId: string;
  clientSecret?: string | undefined;
  /** how the client authenticates at the token endpoint, when registration said (DCR) */
  authMethod?: string | undefined;
}

export interface UpstreamOAuthDeps {
  /** every request goes through the SSRF guard */
  fetch: FetchLike;
  clients: UpstreamClientStore;
  keyRing: KeyRing;
  /** Gatehouse's own client metadata document URL (CIMD client_id) */
  clientMetadataUrl: string;
  redirectUri: string;
  clientName: string;
  /** secrets of pre-registered upstream clients (`clientSecretEnv`) */
  env: Readonly<Record<string, string | undefined>>;
  now(): number;
}

/**
 * Gatehouse as an OAuth client of one upstream MCP server (MCP authorization spec, client side):
 * discovery (the 401 challenge's resource_metadata first, then RFC 9728 and RFC 8414 / OIDC, both
 * well-known orders — the SDK's discovery), CIMD first, DCR as a fallback, PKCE S256, RFC 8707
 * `resource`, RFC 9207 `iss`.
 */
export function createUpstreamOAuth(deps: UpstreamOAuthDeps) {
  const discover = (mcpUrl: string) => discoverUpstream(deps.fetch, mcpUrl);

  /** Gatehouse's client at this server: pre-registered, already registered, CIMD, or registered now (DCR). */
  async function clientFor(server: UpstreamServer, auth: Extract<CatalogAuth, { type: 'oauth' }>) {
    if (auth.client) {
      const secret = auth.client.clientSecretEnv ? deps.env[auth.client.clientSecretEnv] : undefined;
      if (auth.client.clientSecretEnv && !secret)
        throw new UpstreamAuthError(
          `the client secret of this catalog entry is not configured (environment variable ${auth.client.clientSecretEnv})`,
        );
      return { method: 'static', clientId: auth.client.clientId, clientSecret: secret } as UpstreamClient;
    }
    const stored = await deps.clients.get(server.issuer);
    if (stored) return unseal(stored);
    if (server.metadata.client_id_metadata_document_supported)
      return { method: 'cimd', clientId: deps.clientMetadataUrl } as UpstreamClient;
    if (!server.metadata.registration_endpoint)
      throw new UpstreamAuthError(
        'the upstream authorization server supports neither client ID metadata documents nor dynamic registration: an admin must set auth.client in the catalog entry',
      );
    let registered: Awaited<ReturnType<typeof registerClient>>;
    try {
      registered = await registerClient(server.issuer, {
        metadata: server.metadata,
        fetchFn: deps.fetch,
        clientMetadata: {
          client_name: deps.clientName,
          redirect_uris: [deps.redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: pickAuthMethod(server.metadata),
          // RFC 7591 / OIDC registration: a server-side web application.
          application_type: 'web',
        } as Parameters<typeof registerClient>[1]['clientMetadata'],
      });
    } catch (error) {
      throw new UpstreamAuthError(`dynamic client registration failed: ${reason(error)}`);
    }
    // The secret and the authentication method the server registered (RFC 7591 §3.2.1), sealed together.
    const registeredMethod =
      registered.token_endpoint_auth_method ?? (registered.client_secret ? 'client_secret_basic' : 'none');
    const kept = await deps.clients.put({
      issuer: server.issuer,
      method: 'dcr',
      clientId: registered.client_id,
      sealedSecret: registered.client_secret
        ? await deps.keyRing.encrypt(
            JSON.stringify({ secret: registered.client_secret, authMethod: registeredMethod }),
            `hub-client|${server.issuer}`,
          )
        : null,
      createdAt: deps.now(),
    });
    return unseal(kept);
  }

  async function unseal(record: UpstreamClientRecord): Promise<UpstreamClient> {
    if (!record.sealedSecret) return { method: record.method, clientId: record.clientId };
    const { secret, authMethod } = JSON.parse(
      await deps.keyRing.decrypt(record.sealedSecret, `hub-client|${record.issuer}`),
    ) as { secret: string; authMethod: string };
    return { method: record.method, clientId: record.clientId, clientSecret: secret, authMethod };
  }

  const information = (client: UpstreamClient, server: UpstreamServer): OAuthClientInformationMixed => ({
    client_id: client.clientId,
    ...(client.clientSecret
      ? {
          client_secret: client.clientSecret,
          token_endpoint_auth_method: client.authMethod ?? pickAuthMethod(server.metadata),
        }
      : { token_endpoint_auth_method: 'none' }),
  });

  return {
    discover,
    clientFor,

    /** The authorization URL (PKCE S256, resource, state) and the verifier to keep with the flow. */
    async authorizationUrl(server: UpstreamServer, client: UpstreamClient, scopes: string[], state: string) {
      const { authorizationUrl, codeVerifier } = await startAuthorization(server.issuer, {
        metadata: server.metadata,
        clientInformation: information(client, server),
        redirectUrl: deps.redirectUri,
        state,
        // As published (RFC 9728 §3.3): a URL object would add "/" to a pathless identifier.
        resource: server.resource as never,
        ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      });
      return { url: authorizationUrl.toString(), codeVerifier };
    },

    /** Redeems the code: RFC 9207 `iss` checked against the discovered issuer before anything is sent. */
    async exchange(
      server: UpstreamServer,
      client: UpstreamClient,
      callback: { code: string; iss: string | undefined; codeVerifier: string },
    ): Promise<OAuthTokens> {
      try {
        validateAuthorizationResponseIssuer({
          iss: callback.iss,
          expectedIssuer: server.issuer,
          issParameterSupported: server.metadata.authorization_response_iss_parameter_supported === true,
        });
      } catch (error) {
        throw new UpstreamAuthError(
          `the authorization response is not from the expected server: ${reason(error)}`,
        );
      }
      try {
        return await exchangeAuthorization(server.issuer, {
          metadata: server.metadata,
          clientInformation: information(client, server),
          authorizationCode: callback.code,
          ...(callback.iss ? { iss: callback.iss } : {}),
          codeVerifier: callback.codeVerifier,
          redirectUri: deps.redirectUri,
          resource: server.resource as never,
          fetchFn: deps.fetch,
        });
      } catch (error) {
        throw new UpstreamAuthError(`the code exchange failed: ${reason(error)}`, oauthErrorOf(error));
      }
    },

    async refresh(
      server: UpstreamServer,
      client: UpstreamClient,
      refreshToken: string,
    ): Promise<OAuthTokens> {
      try {
        return await refreshAuthorization(server.issuer, {
          metadata: server.metadata,
          clientInformation: information(client, server),
          refreshToken,
          resource: server.resource as never,
          fetchFn: deps.fetch,
        });
      } catch (error) {
        throw new UpstreamAuthError(
          `the upstream refused the refresh: ${reason(error)}`,
          oauthErrorOf(error),
        );
      }
    },

    /** RFC 7009 at the upstream, when it offers revocation; false when it does not (or refused). */
    async revoke(
      server: UpstreamServer,
      client: UpstreamClient,
      token: string,
      hint: string,
    ): Promise<boolean> {
      if (!server.revocationEndpoint) return false;
      const form = new URLSearchParams({ token, token_type_hint: hint });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (
        client.clientSecret &&
        (client.authMethod ?? pickAuthMethod(server.metadata)) === 'client_secret_basic'
      )
        headers.authorization = `Basic ${Buffer.from(
          `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
        ).toString('base64')}`;
      else {
        form.set('client_id', client.clientId);
        if (client.clientSecret) form.set('client_secret', client.clientSecret);
      }
      try {
        const answer = await deps.fetch(server.revocationEndpoint, { method: 'POST', headers, body: form });
        return answer.ok;
      } catch {
        return false;
      }
    },
  };
}

export type UpstreamOAuth = ReturnType<typeof createUpstreamOAuth>;

/** A confidential web client authenticates with its secret: basic when offered (RFC 6749 §2.3.1), else post. */
function pickAuthMethod(metadata: AuthorizationServerMetadata): string {
  const offered = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (offered.includes('client_secret_basic')) return 'client_secret_basic';
  if (offered.includes('client_secret_post')) return 'client_secret_post';
  return 'none';
}

function oauthErrorOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown; error?: unknown }).error ?? (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const text = error instanceof Error ? error.message : '';
  return /invalid_grant/.test(text) ? 'invalid_grant' : undefined;
}
