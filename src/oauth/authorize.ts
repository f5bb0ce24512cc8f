import type { ClientRegistry, ResolvedClient } from './clients';
import type { OAuthErrorCode } from './errors';
import { checkCodeChallenge } from './pkce';
import { matchRedirectUri } from './redirect-uri';
import { type ProtectedResource, resolveResource } from './resource';
import { parseScope, resolveRequestedScopes } from './scope';

/** A validated authorization request, kept server-side until the user decides. */
export interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  /** whether redirect_uri was sent (then the token request must send the same one, RFC 6749 §4.1.3) */
  redirectUriSent: boolean;
  state: string | undefined;
  codeChallenge: string;
  resource: string;
  scopes: string[];
}

export type AuthorizeOutcome =
  /** The client or redirect URI cannot be trusted: show a page, never redirect (OAuth 2.1 §4.1.2.1). */
  | {
      kind: 'local-error';
      title: string;
      message: string;
      status: 400;
      /** the client could not be used: for the operator's log and audit (never on the wire) */
      refusedClient?: { clientId: string; detail: string };
    }
  /** Report to the client through its (validated) redirect URI. */
  | {
      kind: 'redirect-error';
      redirectUri: string;
      error: OAuthErrorCode;
      description: string;
      state: string | undefined;
    }
  | { kind: 'ok'; request: PendingAuthorization; client: ResolvedClient; prompt: Prompt };

/** OpenID Connect Core §3.1.2.1 `prompt`, as Gatehouse honours it: `none`, or always interactive. */
export type Prompt = 'none' | 'interactive';

/** Validates an authorization request (OAuth 2.1 §4.1.1, RFC 7636, RFC 8707). Order matters: client first. */
export async function validateAuthorizeRequest(
  params: URLSearchParams,
  registry: ClientRegistry,
  resources: readonly ProtectedResource[],
): Promise<AuthorizeOutcome> {
  for (const name of [
    'client_id',
    'redirect_uri',
    'response_type',
    'state',
    'code_challenge',
    'resource',
    'scope',
    'prompt',
  ]) {
    if (params.getAll(name).length > 1) {
      // RFC 6749 §3.1: parameters must not be repeated. Before the redirect URI is trusted: a local page.
      return localError('Invalid request', `The parameter ${name} was sent more than once.`);
    }
  }
  const clientId = params.get('client_id') ?? '';
  if (!clientId) return localError('Invalid request', 'The request has no client_id.');
  const lookup = await registry.resolve(clientId);
  if (!lookup.ok)
    return {
      ...localError('Unknown or invalid client', `This application could not be verified: ${lookup.reason}.`),
      refusedClient: { clientId, detail: lookup.detail ?? lookup.reason },
    };
  const client = lookup.client;

  const requestedRedirect = params.get('redirect_uri');
  let redirectUri: string;
  if (requestedRedirect === null) {
    // OAuth 2.1 §2.3.2: may be omitted only when exactly one URI is registered.
    const only = client.metadata.redirect_uris.length === 1 ? client.metadata.redirect_uris[0] : undefined;
    if (!only) return localError('Invalid request', 'The request has no redirect_uri.');
    redirectUri = only;
  } else if (
    // Gatehouse's own client matches exactly: on a loopback issuer, any-port matching (RFC 8252 §7.3)
    // would let a local program take a code presented as the playground.
    client.firstParty
      ? client.metadata.redirect_uris.includes(requestedRedirect)
      : matchRedirectUri(client.metadata.redirect_uris, requestedRedirect)
  ) {
    redirectUri = requestedRedirect;
  } else {
    return localError(
      'Invalid redirect',
      'The redirect_uri does not match any URI registered for this application.',
    );
  }

  const state = params.get('state') ?? undefined;
  const fail = (error: OAuthErrorCode, description: string): AuthorizeOutcome => ({
    kind: 'redirect-error',
    redirectUri,
    error,
    description,
    state,
  });

  if (params.get('response_type') !== 'code') {
    return fail('unsupported_response_type', 'only response_type=code is supported');
  }
  const pkce = checkCodeChallenge(
    params.get('code_challenge') ?? undefined,
    params.get('code_challenge_method') ?? undefined,
  );
  if (!pkce.ok) return fail('invalid_request', pkce.reason);
  const resource = resolveResource(params.get('resource') ?? undefined, resources);
  if (!resource.ok) return fail('invalid_target', resource.reason);
  const offered = resource.resource.scopes.map((s) => s.name);
  const defaults = resource.resource.scopes.filter((s) => s.default).map((s) => s.name);
  const scopes = resolveRequestedScopes(parseScope(params.get('scope')), offered, defaults);
  if (!scopes.ok) return fail('invalid_scope', `unknown scope: ${scopes.unknown.join(' ')}`);
  const prompts = parseScope(params.get('prompt'));
  // OIDC Core §3.1.2.1: none with any other value is an error.
  if (prompts.includes('none') && prompts.length > 1)
    return fail('invalid_request', 'prompt=none cannot be combined with other values');

  return {
    kind: 'ok',
    prompt: prompts.includes('none') ? 'none' : 'interactive',
    client,
    request: {
      clientId,
      redirectUri,
      redirectUriSent: requestedRedirect !== null,
      state,
      codeChallenge: pkce.challenge,
      resource: resource.resource.uri,
      scopes: scopes.scopes,
    },
  };
}

function localError(title: string, message: string): AuthorizeOutcome & { kind: 'local-error' } {
  return { kind: 'local-error', title, message, status: 400 };
}

/** Builds the redirect back to the client; RFC 9207 §2: `iss` on every response, success or error. */
export function authorizationResponseUrl(
  redirectUri: string,
  issuer: string,
  params: Record<string, string | undefined>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set('iss', issuer);
  return url.toString();
}

/** How the consent page names where the code goes: the host, or the scheme and authority of an app link. */
export function redirectTarget(redirectUri: string): string {
  const url = new URL(redirectUri);
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.host;
  return url.host ? `${url.protocol}//${url.host}` : url.protocol;
}
