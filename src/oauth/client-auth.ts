import { constantTimeEqual, sha256 } from '../crypto';
import {
  assertedClientId,
  type ClientAssertionDeps,
  JWT_BEARER_ASSERTION_TYPE,
  verifyClientAssertion,
} from './client-assertion';
import { clientAuthMethods } from './client-metadata';
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

type Presented =
  | { method: 'client_secret_basic'; clientId: string; secret: string }
  | { method: 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string }
  | { method: 'none'; clientId: string };

/** Which one authentication method the request uses (OAuth 2.1 §2.4: exactly one per request). */
function presentedCredentials(form: URLSearchParams, authorization: string | undefined): Presented {
  const basic = authorization ? parseBasic(authorization) : undefined;
  if (authorization && /^Basic/i.test(authorization) && !basic)
    throw new OAuthError('invalid_client', 'malformed Basic credentials', 401);
  const assertion = form.get('client_assertion');
  const assertionType = form.get('client_assertion_type');
  const used = [basic, form.has('client_secret') || undefined, assertion ?? assertionType ?? undefined];
  if (used.filter((credential) => credential !== undefined).length > 1)
    throw new OAuthError('invalid_request', 'use one client authentication method per request');
  const bodyId = form.get('client_id');
  if (basic) {
    if (bodyId && bodyId !== basic.id)
      throw new OAuthError('invalid_request', 'client_id does not match the credentials');
    return { method: 'client_secret_basic', clientId: basic.id, secret: basic.secret };
  }
  if (assertion !== null || assertionType !== null) {
    // RFC 7523 §2.2
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE || !assertion)
      throw new OAuthError(
        'invalid_client',
        `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`,
        401,
      );
    const asserted = assertedClientId(assertion);
    if (!asserted) throw new OAuthError('invalid_client', 'the client assertion is malformed', 401);
    if (bodyId && bodyId !== asserted)
      throw new OAuthError('invalid_client', 'client_id does not match the client assertion', 401);
    return { method: 'private_key_jwt', clientId: asserted, assertion };
  }
  if (!bodyId) throw new OAuthError('invalid_client', 'client authentication is required', 401);
  const secret = form.get('client_secret');
  return secret === null
    ? { method: 'none', clientId: bodyId }
    : { method: 'client_secret_post', clientId: bodyId, secret };
}

const NEEDED: Record<Presented['method'], string> = {
  none: 'its client_id alone (a public client)',
  client_secret_basic: 'HTTP Basic (client_secret_basic)',
  client_secret_post: 'client_secret in the body (client_secret_post)',
  private_key_jwt: 'a signed client assertion (private_key_jwt)',
};

/**
 * Authenticates the client at the token and revocation endpoints by a method it registered (RFC 6749
 * §2.3, OAuth 2.1 §2.4, RFC 7523 §2.2): a public client sends its client_id only; a confidential one
 * its secret or a signed assertion. A client that listed several methods may use any of them.
 */
export async function authenticateClient(
  registry: ClientRegistry,
  form: URLSearchParams,
  authorization: string | undefined,
  assertions: ClientAssertionDeps,
): Promise<ResolvedClient> {
  const presented = presentedCredentials(form, authorization);
  const lookup = await registry.resolve(presented.clientId);
  if (!lookup.ok) throw new OAuthError('invalid_client', lookup.reason, 401);
  const client = lookup.client;
  const methods = clientAuthMethods(client.metadata);
  if (!methods.includes(presented.method)) {
    const expected = methods.map((method) => NEEDED[method]).join(' or ');
    throw new OAuthError('invalid_client', `this client authenticates with ${expected}`, 401);
  }
  if (presented.method === 'private_key_jwt') {
    await verifyClientAssertion(presented.assertion, client, assertions);
    return client;
  }
  if (presented.method === 'none') return client;
  if (!client.secretHash || !constantTimeEqual(await sha256(presented.secret), client.secretHash))
    throw new OAuthError('invalid_client', 'client authentication failed', 401);
  return client;
}
