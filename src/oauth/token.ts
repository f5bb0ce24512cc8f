import { randomId } from '../crypto';
import { redirectTarget } from './authorize';
import type { ResolvedClient } from './clients';
import type { AuthorizationServerDeps, CodeClaims, GrantClaims } from './deps';
import { seal, unseal } from './deps';
import { OAuthError } from './errors';
import { checkResource, revokeGrant, touchClient } from './grant-actions';
import { hashToken, issueTokens, type TokenResponse, userHash } from './issue';
import { verifyCodeVerifier } from './pkce';
import { refresh } from './refresh';

export { revokeGrant, revokeUserGrants } from './grant-actions';

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
