import type { ResolvedClient } from './clients';
import type { AuthorizationServerDeps } from './deps';
import { OAuthError } from './errors';
import { userHash } from './issue';
import { canonicalResourceUri } from './resource';

/** RFC 8707 §2: a resource named at the token endpoint must be the one the grant is for. */
export function checkResource(form: URLSearchParams, granted: string): void {
  const requested = form.get('resource');
  if (requested === null) return;
  if (canonicalResourceUri(requested) !== granted) {
    throw new OAuthError('invalid_target', 'resource does not match the authorization');
  }
}

export async function revokeGrant(deps: AuthorizationServerDeps, grantId: string): Promise<void> {
  await deps.grants.revoke(grantId);
  deps.onGrantRevoked?.(grantId);
}

/** Revokes every grant of a user, with all their tokens (identity drift). Returns how many. */
export async function revokeUserGrants(deps: AuthorizationServerDeps, userId: string): Promise<number> {
  const grants = await deps.grants.listByUser(await userHash(deps, userId), deps.now());
  for (const grant of grants) await revokeGrant(deps, grant.id);
  return grants.length;
}

/** Dynamically registered clients expire after a period without use; each use pushes that back. */
export async function touchClient(deps: AuthorizationServerDeps, client: ResolvedClient): Promise<void> {
  if (client.kind !== 'dcr') return;
  const at = deps.now();
  await deps.clients.touch(client.clientId, at, at + deps.registration.unusedExpiryMs);
}
