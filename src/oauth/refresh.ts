import type { ResolvedClient } from './clients';
import type { AuthorizationServerDeps, GrantClaims, RefreshClaims } from './deps';
import { unseal } from './deps';
import { OAuthError } from './errors';
import { checkResource, revokeGrant, touchClient } from './grant-actions';
import { hashToken, issueTokens, newToken, type TokenResponse } from './issue';
import { openRefreshAnswer, sealRefreshAnswer } from './refresh-answer';
import { narrowScopes, parseScope } from './scope';
import type { ExchangeResult } from './token';

/**
 * How long a parallel request with the same refresh token waits for the winner's answer before taking its
 * place. Long enough for a winner slowed by a loaded machine (3 s was not: a Gemini CLI run on PostgreSQL
 * failed once with two test suites sharing two cores), short against clients' timeouts; only a winner that
 * died makes anyone wait it out.
 */
const ANSWER_WAIT_MS = 10_000;
const ANSWER_POLL_MS = 20;

interface Checked {
  grantId: string;
  grantCreatedAt: number;
  userId: string;
  claims: RefreshClaims;
  scopes: string[];
}

/**
 * The refresh_token grant (OAuth 2.1 §4.3). Refresh tokens rotate on every use (§4.3.1). The same token
 * sent again within the grace while its successor is unused (a client refreshing from two requests at
 * once, or one that lost the answer) gets the same answer as the first use, never a second live chain;
 * any other reuse revokes the grant (RFC 9700 §4.14.2).
 */
export async function refresh(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  form: URLSearchParams,
): Promise<ExchangeResult> {
  const token = form.get('refresh_token');
  if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
  const tokenHash = await hashToken(token);
  const at = deps.now();
  const checked = await checkRefresh(deps, client, form, tokenHash, at);
  const successor = newToken('grt');
  const successorHash = await hashToken(successor);
  const graceMs = deps.lifetimes.refreshGraceMs;
  let rotation = await deps.tokens.rotateRefresh(tokenHash, at, graceMs, successorHash);
  if (rotation.status === 'rotated' && checked) {
    return answer(deps, client, checked, token, tokenHash, { token: successor, hash: successorHash });
  }
  if (rotation.status === 'recently-rotated' && checked) {
    const deadline = Date.now() + ANSWER_WAIT_MS;
    while (rotation.status === 'recently-rotated' && rotation.answer === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, ANSWER_POLL_MS));
      rotation = await deps.tokens.readRecentRotation(tokenHash, deps.now(), graceMs);
    }
    if (rotation.status === 'recently-rotated' && rotation.answer !== null) {
      const tokens = openRefreshAnswer(token, rotation.answer, deps.now());
      if (tokens) return result(checked, tokens);
    }
    if (rotation.status === 'recently-rotated') {
      // The winner rotated and never answered (it died): take its place, once.
      const taken = await deps.tokens.takeOverRotation(
        tokenHash,
        deps.now(),
        graceMs,
        rotation.successorHash,
        successorHash,
      );
      if (taken)
        return answer(deps, client, checked, token, tokenHash, { token: successor, hash: successorHash });
      rotation = await deps.tokens.readRecentRotation(tokenHash, deps.now(), graceMs);
    }
  }
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
  throw new OAuthError('invalid_grant', 'the refresh token is invalid or expired');
}

/**
 * Every check that can refuse runs before the rotation: a refused request must leave the token usable,
 * or the client's next, correct refresh would look like a replay and revoke the grant. Undefined when
 * the token is not (or no longer) stored: the rotation then tells a replay from an unknown token.
 */
async function checkRefresh(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  form: URLSearchParams,
  tokenHash: string,
  at: number,
): Promise<Checked | undefined> {
  const found = await deps.tokens.findRefresh(tokenHash, at);
  if (!found) return undefined;
  const grant = await deps.grants.get(found.grantId, at);
  if (!grant) throw new OAuthError('invalid_grant', 'the grant is no longer valid');
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
  // The scope policy takes effect here: what the user may no longer hold is dropped from this refresh on
  // (and from the refresh token's own scopes, so it cannot come back); nothing left ends the grant.
  const allowed = deps.scopePolicy
    ? await deps.scopePolicy.allowed(grantClaims.userId, claims.resource, claims.scopes)
    : claims.scopes;
  const kept = scopes.filter((scope) => allowed.includes(scope));
  if (kept.length === 0 && allowed.length < claims.scopes.length) {
    await revokeGrant(deps, grant.id);
    throw new OAuthError('invalid_grant', 'the scope policy no longer allows this user these scopes');
  }
  return {
    grantId: grant.id,
    grantCreatedAt: grant.createdAt,
    userId: grantClaims.userId,
    claims: { ...claims, scopes: allowed },
    scopes: kept,
  };
}

/** Issues the rotation's tokens and keeps the answer, sealed under the presented token, for the grace. */
async function answer(
  deps: AuthorizationServerDeps,
  client: ResolvedClient,
  checked: Checked,
  presented: string,
  presentedHash: string,
  successor: { token: string; hash: string },
): Promise<ExchangeResult> {
  await touchClient(deps, client);
  const issuedAt = deps.now();
  const tokens = await issueTokens(deps, {
    grantId: checked.grantId,
    grantCreatedAt: checked.grantCreatedAt,
    userId: checked.userId,
    clientId: client.clientId,
    scopes: checked.scopes,
    refreshScopes: checked.claims.scopes,
    resource: checked.claims.resource,
    withRefresh: true,
    previousRefreshHash: presentedHash,
    refreshToken: successor,
  });
  const kept = sealRefreshAnswer(presented, {
    response: tokens,
    accessExpiresAt: issuedAt + tokens.expires_in * 1000,
  });
  await deps.tokens.saveRefreshAnswer(presentedHash, successor.hash, kept);
  return result(checked, tokens);
}

function result(checked: Checked, tokens: TokenResponse): ExchangeResult {
  return {
    tokens,
    userId: checked.userId,
    grantId: checked.grantId,
    resource: checked.claims.resource,
    grantType: 'refresh_token',
  };
}
