import { hmacSha256, randomId, sha256 } from '../crypto';
import type { AccessClaims, AuthorizationServerDeps, RefreshClaims } from './deps';
import { seal } from './deps';
import { OAuthError } from './errors';
import { formatScope } from './scope';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

/** Opaque tokens: a type prefix (so scanners and logs recognise them) and 256 random bits. */
export function newToken(prefix: 'gat' | 'grt' | 'gac'): string {
  return `${prefix}_${randomId()}`;
}

export const hashToken = sha256;

/** The user id as grants store it: an HMAC, so the table alone does not say whose grants these are. */
export function userHash(deps: Pick<AuthorizationServerDeps, 'hmacKey'>, userId: string): Promise<string> {
  return hmacSha256(deps.hmacKey, `user|${userId}`);
}

/** Mints an access token (and a refresh token when the client may refresh) for a grant. */
export async function issueTokens(
  deps: AuthorizationServerDeps,
  input: {
    grantId: string;
    userId: string;
    clientId: string;
    scopes: string[];
    /** the refresh token's scopes when they differ from the access token's (RFC 6749 §6: a narrowed
     * refresh narrows the access token only; the new refresh token keeps the grant's scope) */
    refreshScopes?: string[];
    resource: string;
    withRefresh: boolean;
    previousRefreshHash: string | null;
    /** the successor a rotation already named (its hash is on the rotated row) */
    refreshToken?: { token: string; hash: string };
    /** the grant's expiry never passes createdAt + the absolute grant lifetime */
    grantCreatedAt: number;
  },
): Promise<TokenResponse> {
  const at = deps.now();
  const grantEnd = input.grantCreatedAt + deps.lifetimes.grantMaxMs;
  const accessExpiresAt = Math.min(at + deps.lifetimes.accessMs, grantEnd);
  const response: TokenResponse = {
    access_token: '',
    token_type: 'Bearer',
    expires_in: Math.floor((accessExpiresAt - at) / 1000),
    scope: formatScope(input.scopes),
  };
  // The refresh token first: a successor is saved only if its rotation still names it. Losing that race
  // (a parallel refresh of the same token) leaves no tokens behind.
  if (input.withRefresh) {
    const refreshToken = input.refreshToken?.token ?? newToken('grt');
    const refreshHash = input.refreshToken?.hash ?? (await hashToken(refreshToken));
    const refreshClaims: RefreshClaims = {
      scopes: input.refreshScopes ?? input.scopes,
      resource: input.resource,
    };
    const saved = await deps.tokens.saveRefresh({
      tokenHash: refreshHash,
      grantId: input.grantId,
      previousHash: input.previousRefreshHash,
      sealed: await seal(deps, refreshClaims, `rt:${refreshHash}`),
      expiresAt: Math.min(at + deps.lifetimes.refreshMs, grantEnd),
    });
    if (!saved)
      throw new OAuthError(
        'invalid_grant',
        'the refresh token was used by a parallel request; use the newest one',
      );
    await deps.grants.touch(input.grantId, at, Math.min(at + deps.lifetimes.refreshMs, grantEnd));
    response.refresh_token = refreshToken;
  } else {
    await deps.grants.touch(input.grantId, at, Math.min(at + deps.lifetimes.accessMs, grantEnd));
  }
  const accessToken = newToken('gat');
  const accessHash = await hashToken(accessToken);
  const accessClaims: AccessClaims = {
    userId: input.userId,
    clientId: input.clientId,
    scopes: input.scopes,
    resource: input.resource,
  };
  await deps.tokens.saveAccess({
    tokenHash: accessHash,
    grantId: input.grantId,
    sealed: await seal(deps, accessClaims, `at:${accessHash}`),
    expiresAt: accessExpiresAt,
  });
  response.access_token = accessToken;
  return response;
}
