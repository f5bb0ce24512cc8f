import type { ResolvedClient } from './clients';
import type { AccessClaims, AuthorizationServerDeps, GrantClaims } from './deps';
import { unseal } from './deps';
import { hashToken } from './issue';
import { revokeGrant } from './token';

/**
 * RFC 7009 §2.1: revokes an access or refresh token of this client. Revoking a refresh token ends its
 * grant (§2.1 "SHOULD also invalidate the access tokens"). Unknown tokens are not an error (§2.2).
 */
export async function revokeToken(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  token: string,
): Promise<{ kind: 'refresh' | 'access'; userId: string } | undefined> {
  const tokenHash = await hashToken(token);
  const at = deps.now();
  const refreshGrant = await deps.tokens.findRefreshGrant(tokenHash, at);
  if (refreshGrant) {
    const grant = await deps.grants.get(refreshGrant, at);
    if (grant?.clientId !== client.clientId) return undefined;
    const claims = await unseal<GrantClaims>(deps, grant.sealed, `grant:${grant.id}`);
    await revokeGrant(deps, refreshGrant);
    return { kind: 'refresh', userId: claims.userId };
  }
  const access = await deps.tokens.findAccess(tokenHash, at);
  if (!access) return undefined;
  const grant = await deps.grants.get(access.grantId, at);
  if (grant?.clientId !== client.clientId) return undefined;
  const claims = await unseal<AccessClaims>(deps, access.sealed, `at:${tokenHash}`);
  await deps.tokens.deleteAccess(tokenHash);
  deps.onAccessTokenRevoked?.(tokenHash);
  return { kind: 'access', userId: claims.userId };
}
