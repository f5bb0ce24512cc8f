import { discoverOAuthServerInfo } from '@modelcontextprotocol/client';
import { ClientFailure } from './failure';
import type { TokenStore } from './token-store';

export interface LogoutOutcome {
  issuer: string;
  /** per token kind: revoked at the server, or why not */
  revoked: Array<{ kind: 'refresh_token' | 'access_token'; outcome: string }>;
}

/**
 * Revokes this server's tokens at the authorization server (RFC 7009 §2.1; the refresh token first, which
 * also ends its grant's access tokens on servers that tie them) and forgets them locally either way.
 */
export async function logout(
  serverUrl: string,
  store: TokenStore,
  fetchFn: typeof fetch,
): Promise<LogoutOutcome> {
  const state = await store.read();
  const issuer = state.servers[serverUrl]?.issuer;
  const record = issuer ? state.issuers[issuer] : undefined;
  const tokens = record?.tokens[serverUrl];
  if (!issuer || !record || !tokens)
    throw new ClientFailure(`no tokens stored for ${serverUrl} in ${store.path}`);

  const revoked: LogoutOutcome['revoked'] = [];
  let endpoint: string | undefined;
  try {
    const info = await discoverOAuthServerInfo(serverUrl, { fetchFn });
    // OIDC-flavoured metadata types lack the field, but RFC 8414 §2 defines it for every server
    const metadata = info.authorizationServerMetadata as { revocation_endpoint?: unknown } | undefined;
    endpoint = typeof metadata?.revocation_endpoint === 'string' ? metadata.revocation_endpoint : undefined;
  } catch (error) {
    revoked.push({
      kind: 'refresh_token',
      outcome: `not revoked: discovery failed (${(error as Error).message})`,
    });
  }
  const clientId = record.client?.client_id;
  const secret = record.client?.client_secret;
  for (const kind of ['refresh_token', 'access_token'] as const) {
    const token = tokens[kind];
    if (!token || (revoked.length > 0 && !endpoint)) continue;
    if (!endpoint) {
      revoked.push({ kind, outcome: `not revoked: ${issuer} publishes no revocation_endpoint` });
      continue;
    }
    const body = new URLSearchParams({ token, token_type_hint: kind });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (clientId && secret) {
      // RFC 6749 §2.3.1: form-urlencode each part, then base64
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    } else if (clientId) body.set('client_id', clientId);
    try {
      const response = await fetchFn(endpoint, { method: 'POST', headers, body });
      revoked.push({
        kind,
        outcome: response.ok
          ? 'revoked'
          : `not revoked: ${endpoint} answered HTTP ${response.status} ${await errorText(response)}`,
      });
    } catch (error) {
      revoked.push({ kind, outcome: `not revoked: ${endpoint} unreachable (${(error as Error).message})` });
    }
  }
  await store.update((current) => {
    delete current.issuers[issuer]?.tokens[serverUrl];
    delete current.servers[serverUrl];
  });
  return { issuer, revoked };
}

async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: string; error_description?: string };
    return [body.error, body.error_description].filter(Boolean).join(': ');
  } catch {
    return '';
  }
}
