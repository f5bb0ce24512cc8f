import { discoverOAuthServerInfo } from '@modelcontextprotocol/client';
import { type FetchLike, reason, UpstreamAuthError } from './upstream-errors';
import type { UpstreamServer } from './upstream-oauth';

const PROBE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'gatehouse-discovery', version: '1' },
  },
});

/**
 * Where an upstream MCP server's authorization server is (MCP authorization spec, client side): an
 * unauthenticated probe whose 401 challenge's `resource_metadata` is followed first; otherwise RFC 9728 and
 * RFC 8414 / OpenID metadata at their well-known URLs, both orders (the MCP SDK's discovery). Every request
 * goes through `fetch` (the SSRF guard).
 */
export async function discoverUpstream(fetch: FetchLike, mcpUrl: string): Promise<UpstreamServer> {
  let resourceMetadataUrl: URL | undefined;
  let challengeScope: string | undefined;
  try {
    const probe = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: PROBE_BODY,
    });
    const challenge = probe.headers.get('www-authenticate') ?? '';
    const match = /resource_metadata="([^"]+)"/i.exec(challenge);
    if (probe.status === 401 && match?.[1]) resourceMetadataUrl = new URL(match[1], mcpUrl);
    if (probe.status === 401) challengeScope = /(?:^|[\s,])scope="([^"]*)"/i.exec(challenge)?.[1];
  } catch (error) {
    throw new UpstreamAuthError(`the upstream MCP server could not be reached (${reason(error)})`);
  }
  let info: Awaited<ReturnType<typeof discoverOAuthServerInfo>>;
  try {
    info = await discoverOAuthServerInfo(mcpUrl, {
      fetchFn: fetch,
      ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}),
    });
  } catch (error) {
    throw new UpstreamAuthError(`discovery failed: ${reason(error)}`);
  }
  const metadata = info.authorizationServerMetadata;
  if (!metadata)
    throw new UpstreamAuthError(
      `no authorization server metadata found for ${info.authorizationServerUrl} (RFC 8414 or OpenID discovery)`,
    );
  if (!metadata.code_challenge_methods_supported?.includes('S256'))
    throw new UpstreamAuthError('the upstream authorization server does not offer PKCE S256');
  const resource = info.resourceMetadata?.resource ?? mcpUrl;
  if (!resourceCovers(resource, mcpUrl))
    throw new UpstreamAuthError(`the protected resource metadata names ${resource}, not ${mcpUrl}`);
  return {
    issuer: metadata.issuer,
    tokenEndpoint: metadata.token_endpoint,
    revocationEndpoint: (metadata as { revocation_endpoint?: string }).revocation_endpoint,
    authorizationEndpoint: metadata.authorization_endpoint,
    // RFC 9728 §3.3: the metadata's resource is the upstream's canonical identifier (GitHub's drops the
    // trailing slash of its URL); without metadata, the MCP URL itself (RFC 8707).
    resource,
    metadata,
    scopesSupported: info.resourceMetadata?.scopes_supported ?? metadata.scopes_supported,
    challengeScope,
  };
}

/** RFC 8707 / RFC 9728 §3.3: the metadata's resource must be the server's URL or a path prefix of it. */
function resourceCovers(resource: string, mcpUrl: string): boolean {
  try {
    const named = new URL(resource);
    const actual = new URL(mcpUrl);
    if (named.origin !== actual.origin) return false;
    const prefix = named.pathname.endsWith('/') ? named.pathname : `${named.pathname}/`;
    return actual.pathname === named.pathname || actual.pathname.startsWith(prefix) || named.pathname === '/';
  } catch {
    return false;
  }
}
