import { randomId } from '../crypto';
import { redirectTarget } from './authorize';
import type { ResolvedClient } from './clients';
import type { AuthorizationServerDeps, CodeClaims, GrantClaims, RefreshClaims } from './deps';
import { seal, unseal } from './deps';
import { OAuthError } from './errors';
import { hashToken, issueTokens, newToken, type TokenResponse, userHash } from './issue';
import { verifyCodeVerifier } from './pkce';
import { canonicalResourceUri } from './resource';
import { narrowScopes, parseScope } from './scope';

/** What the audit log records of a successful exchange (never a token). */
export interface ExchangeResult {
  tokens: TokenResponse;
  userId: string;
  grantId: string;
  resource: string;
  grantType: 'authorization_code' | 'refresh_token';
}

/** The token endpoint's grants (OAuth 2.1 §4.1.3, §4.3). The client is already authenticated. */
export async function exchangeToken(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  form: URLSearchParams,
): Promise<ExchangeResult> {
  const grantType = form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  if (!client.metadata.grant_types.includes(grantType)) {
    throw new OAuthError('unauthorized_client', `this client may not use the ${grantType} grant`);
  }
  return grantType === 'authorization_code' ? exchangeCode(deps, client, form) : refresh(deps, client, form);
}

/** RFC 8707 §2: a resource named at the token endpoint must be the one the grant is for. */
function checkResource(form: URLSearchParams, granted: string): void {
  const requested = form.get('resource');
  if (requested === null) return;
  if (canonicalResourceUri(requested) !== granted) {
    throw new OAuthError('invalid_target', 'resource does not match the authorization');
  }
}

async function exchangeCode(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  form: URLSearchParams,
): Promise<ExchangeResult> {
  const code = form.get('code');
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  const codeHash = await hashToken(code);
  // The grant's id is chosen before the code is consumed and stored with it, so a replay racing this
  // exchange always knows which grant to revoke (RFC 9700 §4.5), even before it exists.
  const grantId = randomId(16);
  const consumed = await deps.codes.consume(codeHash, deps.now(), grantId);
  if (consumed.status === 'replayed') {
    // RFC 9700 §4.5 / OAuth 2.1 §4.1.3: a code used twice revokes what the first use produced.
    if (consumed.grantId) await revokeGrant(deps, consumed.grantId);
    throw new OAuthError('invalid_grant', 'the authorization code was already used', 400, 'code replay');
  }
  if (consumed.status === 'unknown')
    throw new OAuthError('invalid_grant', 'the authorization code is invalid or expired');
  if (consumed.clientId !== client.clientId) {
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
  }
  const claims = await unseal<CodeClaims>(deps, consumed.sealed, `code:${codeHash}`);
  const redirectUri = form.get('redirect_uri');
  // OAuth 2.1 §4.1.3: identical to the authorization request's redirect_uri when that one was sent.
  if (
    claims.redirectUriSent
      ? redirectUri !== claims.redirectUri
      : redirectUri !== null && redirectUri !== claims.redirectUri
  ) {
    throw new OAuthError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
  if (!(await verifyCodeVerifier(form.get('code_verifier') ?? undefined, claims.codeChallenge))) {
    throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE)');
  }
  checkResource(form, claims.resource);

  // Each authorization is a grant of its own: a CIMD client id (claude.ai) is shared by every install,
  // so a second laptop or a second endpoint must not end the first one's access.
  const owner = await userHash(deps, claims.userId);
  const grantClaims: GrantClaims = {
    userId: claims.userId,
    scopes: claims.scopes,
    resource: claims.resource,
    props: claims.props,
    redirectTarget: redirectTarget(claims.redirectUri),
  };
  const at = deps.now();
  await deps.grants.create({
    id: grantId,
    userHash: owner,
    clientId: client.clientId,
    sealed: await seal(deps, grantClaims, `grant:${grantId}`),
    createdAt: at,
    lastUsedAt: at,
    expiresAt: Math.min(at + deps.lifetimes.refreshMs, at + deps.lifetimes.grantMaxMs),
  });
  await touchClient(deps, client);
  const tokens = await issueTokens(deps, {
    grantId,
    grantCreatedAt: at,
    userId: claims.userId,
    clientId: client.clientId,
    scopes: claims.scopes,
    resource: claims.resource,
    withRefresh: client.metadata.grant_types.includes('refresh_token'),
    previousRefreshHash: null,
  });
  // A replay that came while this grant was being made has marked the code: its revocation may have run
  // before the grant existed, so the grant is revoked here too. Either way no tokens of it survive.
  if (await deps.codes.wasReplayed(codeHash)) {
    await revokeGrant(deps, grantId);
    throw new OAuthError('invalid_grant', 'the authorization code was already used', 400, 'code replay');
  }
  return {
    tokens,
    userId: claims.userId,
    grantId,
    resource: claims.resource,
    grantType: 'authorization_code',
  };
}

async function refresh(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  form: URLSearchParams,
): Promise<ExchangeResult> {
  const token = form.get('refresh_token');
  if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
  const tokenHash = await hashToken(token);
  // Every check that can refuse runs before the rotation: a refused request must leave the token usable,
  // or the client's next, correct refresh would look like a replay and revoke the grant. What is read
  // here is what the rotation then acts on (it matches the same unexpired row).
  const at = deps.now();
  const found = await deps.tokens.findRefresh(tokenHash, at);
  const grant = found ? await deps.grants.get(found.grantId, at) : undefined;
  if (found && !grant) throw new OAuthError('invalid_grant', 'the grant is no longer valid');
  let checked: { claims: RefreshClaims; grantClaims: GrantClaims; scopes: string[] } | undefined;
  if (found && grant) {
    // Another client presenting a stolen token cannot burn it.
    if (grant.clientId !== client.clientId)
      throw new OAuthError('invalid_grant', 'the refresh token was issued to another client');
    const claims = await unseal<RefreshClaims>(deps, found.sealed, `rt:${tokenHash}`);
    checkResource(form, claims.resource);
    const scopes = narrowScopes(claims.scopes, parseScope(form.get('scope')));
    if (!scopes)
      throw new OAuthError('invalid_scope', 'a refresh may narrow the scope but not widen it (RFC 6749 §6)');
    // DESIGN: an absolute grant lifetime; after it the user signs in again, however often it was refreshed.
    if (at >= grant.createdAt + deps.lifetimes.grantMaxMs)
      throw new OAuthError(
        'invalid_grant',
        'this authorization has reached its maximum lifetime; sign in again',
      );
    const grantClaims = await unseal<GrantClaims>(deps, grant.sealed, `grant:${grant.id}`);
    // DESIGN §5: refresh-token use re-validates the user with the IdP (throttled); drift revokes the grant.
    if (deps.checkUserOnRefresh && !(await deps.checkUserOnRefresh(grantClaims.userId))) {
      await revokeGrant(deps, grant.id);
      throw new OAuthError(
        'invalid_grant',
        'the user must sign in again: their identity provider no longer vouches for this account',
        400,
        'identity drift',
      );
    }
    checked = { claims, grantClaims, scopes };
  }
  const successor = newToken('grt');
  const successorHash = await hashToken(successor);
  const rotation = await deps.tokens.rotateRefresh(
    tokenHash,
    at,
    deps.lifetimes.refreshGraceMs,
    successorHash,
  );
  if (rotation.status === 'replayed') {
    // OAuth 2.1 §4.3.1 / RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the grant.
    await revokeGrant(deps, rotation.grantId);
    throw new OAuthError(
      'invalid_grant',
      'the refresh token was already used; the grant is revoked',
      400,
      'refresh replay',
    );
  }
  if (rotation.status === 'unknown' || !checked || !grant)
    throw new OAuthError('invalid_grant', 'the refresh token is invalid or expired');
  const { claims, grantClaims, scopes } = checked;
  await touchClient(deps, client);
  const tokens = await issueTokens(deps, {
    grantId: grant.id,
    grantCreatedAt: grant.createdAt,
    userId: grantClaims.userId,
    clientId: client.clientId,
    scopes,
    refreshScopes: claims.scopes,
    resource: claims.resource,
    withRefresh: true,
    previousRefreshHash: tokenHash,
    refreshToken: { token: successor, hash: successorHash },
  });
  return {
    tokens,
    userId: grantClaims.userId,
    grantId: grant.id,
    resource: claims.resource,
    grantType: 'refresh_token',
  };
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
async function touchClient(deps: AuthorizationServerDeps, client: ResolvedClient): Promise<void> {
  if (client.kind !== 'dcr') return;
  const at = deps.now();
  await deps.clients.touch(client.clientId, at, at + deps.registration.unusedExpiryMs);
}
