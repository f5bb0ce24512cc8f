import type { ResolvedClient } from './clients';
import type { AuthorizationServerDeps } from './deps';
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
): Promise<void> {
  const tokenHash = await hashToken(token);
  const at = deps.now();
  const refreshGrant = await deps.tokens.findRefreshGrant(tokenHash, at);
  if (refreshGrant) {
    const grant = await deps.grants.get(refreshGrant, at);
    if (grant?.clientId === client.clientId) await revokeGrant(deps, refreshGrant);
    return;
  }
  const access = await deps.tokens.findAccess(tokenHash, at);
  if (!access) return;
  const grant = await deps.grants.get(access.grantId, at);
  if (grant?.clientId !== client.clientId) return;
  await deps.tokens.deleteAccess(tokenHash);
  deps.onAccessTokenRevoked?.(tokenHash);
}
