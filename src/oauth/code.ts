import type { PendingAuthorization } from './authorize';
import type { AuthorizationServerDeps, CodeClaims } from './deps';
import { seal } from './deps';
import { hashToken, newToken } from './issue';

/** Mints a single-use authorization code for an approved request (OAuth 2.1 §4.1.2: short-lived). */
export async function createAuthorizationCode(
  deps: AuthorizationServerDeps,
  request: PendingAuthorization,
  userId: string,
  scopes: string[],
  props: Record<string, unknown> = {},
): Promise<string> {
  const code = newToken('gac');
  const codeHash = await hashToken(code);
  const claims: CodeClaims = {
    userId,
    scopes,
    resource: request.resource,
    redirectUri: request.redirectUri,
    redirectUriSent: request.redirectUriSent,
    codeChallenge: request.codeChallenge,
    props,
  };
  await deps.codes.save({
    codeHash,
    clientId: request.clientId,
    sealed: await seal(deps, claims, `code:${codeHash}`),
    expiresAt: deps.now() + deps.lifetimes.codeMs,
  });
  return code;
}
