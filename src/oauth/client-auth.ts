import { constantTimeEqual, sha256 } from '../crypto';
import type { ClientRegistry, ResolvedClient } from './clients';
import { OAuthError } from './errors';

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * Authenticates the client at the token and revocation endpoints by its registered method
 * (RFC 6749 §2.3, OAuth 2.1 §2.4). Public clients identify themselves with client_id only.
 */
export async function authenticateClient(
  registry: ClientRegistry,
  form: URLSearchParams,
  authorization: string | undefined,
): Promise<ResolvedClient> {
  const basic = authorization ? parseBasic(authorization) : undefined;
  if (authorization && /^Basic/i.test(authorization) && !basic) {
    throw new OAuthError('invalid_client', 'malformed Basic credentials');
  }
  const bodyId = form.get('client_id');
  if (basic && bodyId && bodyId !== basic.id)
    throw new OAuthError('invalid_request', 'client_id does not match the credentials');
  if (basic && form.has('client_secret')) {
    throw new OAuthError('invalid_request', 'use one client authentication method per request');
  }
  const clientId = basic?.id ?? bodyId;
  if (!clientId) throw new OAuthError('invalid_client', 'client authentication is required');

  const lookup = await registry.resolve(clientId);
  if (!lookup.ok) throw new OAuthError('invalid_client', lookup.reason);
  const client = lookup.client;
  const method = client.metadata.token_endpoint_auth_method;
  const presented = basic?.secret ?? form.get('client_secret') ?? undefined;

  if (method === 'none') {
    if (presented !== undefined)
      throw new OAuthError('invalid_client', 'this client is public and has no secret');
    return client;
  }
  if (method === 'client_secret_basic' && !basic) {
    throw new OAuthError('invalid_client', 'this client authenticates with HTTP Basic (client_secret_basic)');
  }
  if (method === 'client_secret_post' && (basic || !form.has('client_secret'))) {
    throw new OAuthError(
      'invalid_client',
      'this client authenticates with client_secret in the body (client_secret_post)',
    );
  }
  if (!presented || !client.secretHash || !constantTimeEqual(await sha256(presented), client.secretHash)) {
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  return client;
}
