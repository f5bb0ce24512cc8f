import { hmacSha256, randomId, sha256 } from '../crypto';
import type { AccessClaims, AuthorizationServerDeps, RefreshClaims } from './deps';
import { seal } from './deps';
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
  },
): Promise<TokenResponse> {
  const at = deps.now();
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
    expiresAt: at + deps.lifetimes.accessMs,
  });
  const response: TokenResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: Math.floor(deps.lifetimes.accessMs / 1000),
    scope: formatScope(input.scopes),
  };
  if (input.withRefresh) {
    const refreshToken = newToken('grt');
    const refreshHash = await hashToken(refreshToken);
    const refreshClaims: RefreshClaims = {
      scopes: input.refreshScopes ?? input.scopes,
      resource: input.resource,
    };
    await deps.tokens.saveRefresh({
      tokenHash: refreshHash,
      grantId: input.grantId,
      previousHash: input.previousRefreshHash,
      sealed: await seal(deps, refreshClaims, `rt:${refreshHash}`),
      expiresAt: at + deps.lifetimes.refreshMs,
    });
    await deps.grants.touch(input.grantId, at, at + deps.lifetimes.refreshMs);
    response.refresh_token = refreshToken;
  } else {
    await deps.grants.touch(input.grantId, at, at + deps.lifetimes.accessMs);
  }
  return response;
}
