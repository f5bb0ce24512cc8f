import type { RequestLog } from '../http/context';
import { type PlainAnswer, type PlainRequest, plainJson } from '../http/plain';
import { authenticateClient } from './client-auth';
import type { AuthorizationServerDeps } from './deps';
import { OAuthError } from './errors';
import { exchangeToken } from './token';

/** RFC 6749 §5.1: token answers are never cached. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export interface TokenRequestContext {
  ip: string;
  log: RequestLog;
}

/**
 * The token endpoint (RFC 6749 §3.2, OAuth 2.1 §3.2) over plain values: served by the Node front off the
 * wire and by the Hono app in process (the playground).
 */
export function createTokenEndpoint(deps: AuthorizationServerDeps) {
  return async function token(request: PlainRequest, context: TokenRequestContext): Promise<PlainAnswer> {
    let form: URLSearchParams | undefined;
    try {
      form = readForm(request);
      const client = await authenticateClient(
        deps.registry,
        form,
        request.header('authorization'),
        deps.clientAssertions,
      );
      const result = await exchangeToken(deps, client, form);
      await deps.audit.record({
        event: result.grantType === 'authorization_code' ? 'token.issued' : 'token.refreshed',
        userId: result.userId,
        clientId: client.clientId,
        resource: result.resource,
        ip: context.ip,
        details: { grant: result.grantId, scope: result.tokens.scope },
      });
      return plainJson(200, result.tokens, NO_STORE);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.hint === 'code replay' || error.hint === 'refresh replay')
        await deps.audit.record({
          event: 'replay.detected',
          clientId: form?.get('client_id') ?? null,
          ip: context.ip,
          reason: error.hint === 'code replay' ? 'code_replay' : 'refresh_token_replay',
        });
      return oauthErrorAnswer(error, request, context.log);
    }
  };
}

/** An OAuth error answer (RFC 6749 §5.2); an `invalid_client` after HTTP authentication is a 401 challenge. */
export function oauthErrorAnswer(error: OAuthError, request: PlainRequest, log: RequestLog): PlainAnswer {
  if (error.hint) log.warn({ oauthError: error.code, hint: error.hint }, 'oauth request refused');
  const headers: Record<string, string> = { ...NO_STORE };
  if (error.code === 'invalid_client' && request.header('authorization'))
    headers['www-authenticate'] = 'Basic realm="gatehouse"';
  return plainJson(error.status, error.toJSON(), headers);
}

/** RFC 6749 §3.2: a form-encoded body; a parameter may not be repeated. */
export function readForm(request: PlainRequest): URLSearchParams {
  const type = (request.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded'))
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  const form = new URLSearchParams(request.body ?? '');
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (seen.has(name))
      throw new OAuthError('invalid_request', `the parameter ${name} was sent more than once`);
    seen.add(name);
  }
  return form;
}
