import { createRemoteJWKSet, type JWTPayload, customFetch as joseFetch, jwtVerify } from 'jose';
import * as o from 'oauth4webapi';
import { type Identity, LoginError, type UpstreamTokens } from '../identity';
import type { ProviderSettings } from '../presets';
import {
  checkCallback,
  describe,
  isUnreachable,
  keptTokens,
  type Revalidation,
  requestOptions,
  transportFailure,
  type UpstreamDeps,
  type UpstreamLogin,
  type UpstreamProvider,
} from './types';

const DISCOVERY_TTL_MS = 3600_000;

/**
 * An OpenID Connect identity provider (generic, Google, Entra, Cloudflare Access): discovery, code + PKCE +
 * nonce + state, the id_token verified against the IdP's JWKS with our algorithm allow-list, userinfo when
 * the id_token lacks claims. oauth4webapi speaks the protocol; jose checks the signature.
 */
export function createOidcProvider(settings: ProviderSettings, deps: UpstreamDeps): UpstreamProvider {
  const fetcher = deps.fetch ?? fetch;
  const client: o.Client = { client_id: settings.clientId };
  const auth = settings.clientSecret ? o.ClientSecretPost(settings.clientSecret) : o.None();
  let discovered: { as: o.AuthorizationServer; at: number } | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  const options = requestOptions(deps, settings.issuer);

  async function metadata(): Promise<o.AuthorizationServer> {
    if (discovered && deps.now() - discovered.at < DISCOVERY_TTL_MS) return discovered.as;
    const issuer = new URL(settings.issuer);
    try {
      const as = await o.processDiscoveryResponse(issuer, await o.discoveryRequest(issuer, options()));
      if (!as.jwks_uri) throw new Error('the discovery document has no jwks_uri');
      discovered = { as, at: deps.now() };
      jwks = createRemoteJWKSet(new URL(as.jwks_uri), {
        cooldownDuration: deps.jwksCooldownMs,
        timeoutDuration: deps.timeoutMs,
        [joseFetch]: fetcher,
      });
      return as;
    } catch (error) {
      throw transportFailure('discovery', error);
    }
  }

  /** Signature against the JWKS (refetched on an unknown kid), allow-listed algorithm, iss, aud, exp, iat. */
  async function verifyIdToken(as: o.AuthorizationServer, idToken: string): Promise<JWTPayload> {
    if (!jwks) throw new LoginError('idp_error', 'no JWKS');
    try {
      const { payload } = await jwtVerify(idToken, jwks, {
        issuer: as.issuer,
        audience: settings.clientId,
        algorithms: settings.algorithms,
        currentDate: new Date(deps.now()),
        requiredClaims: ['sub', 'iat', 'exp'],
        clockTolerance: 30,
      });
      // OIDC Core §3.1.3.7: with several audiences, azp must be present; when present it must be us.
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp === undefined)
        throw new Error('several audiences and no azp');
      if (payload.azp !== undefined && payload.azp !== settings.clientId)
        throw new Error('azp is another client');
      return payload;
    } catch (error) {
      if (error instanceof LoginError) throw error;
      if (isUnreachable(error)) throw new LoginError('idp_unreachable', `jwks: ${describe(error)}`);
      throw new LoginError('id_token_invalid', describe(error));
    }
  }

  async function userinfo(as: o.AuthorizationServer, accessToken: string, subject: string) {
    if (!as.userinfo_endpoint) return {};
    const response = await o.userInfoRequest(as, client, accessToken, options());
    return o.processUserInfoResponse(as, client, subject, response);
  }

  /** Claims from the id_token, completed from userinfo when the id_token lacks the email. */
  async function identityFrom(
    as: o.AuthorizationServer,
    claims: JWTPayload,
    accessToken: string,
  ): Promise<Identity> {
    let all: Record<string, unknown> = claims;
    if (
      typeof claims.email !== 'string' ||
      (settings.requireEmailVerified && claims.email_verified === undefined)
    ) {
      const extra = await userinfo(as, accessToken, String(claims.sub));
      all = {
        ...extra,
        ...claims,
        ...pick(extra, ['email', 'email_verified', 'name', settings.groupsClaim]),
      };
    }
    return toIdentity(settings, all);
  }

  const keep = (tokens: o.TokenEndpointResponse, previous?: UpstreamTokens) =>
    settings.keepTokens ? keptTokens(tokens, deps.now(), previous) : undefined;

  /**
   * What the IdP says now. Drift is judged on positive evidence only: a claim the IdP did not send this
   * time (many send the email only at login) keeps its previous value instead of reading as a change.
   */
  function reported(previous: Identity, claims: Record<string, unknown>): Identity {
    const now = toIdentity(settings, { ...claims, sub: previous.subject });
    return {
      ...now,
      email: typeof claims.email === 'string' ? now.email : previous.email,
      emailVerified: claims.email_verified === undefined ? previous.emailVerified : now.emailVerified,
      name: now.name || previous.name,
      groups: claims[settings.groupsClaim] === undefined ? previous.groups : now.groups,
      ...((now.hostedDomain ?? previous.hostedDomain)
        ? { hostedDomain: now.hostedDomain ?? previous.hostedDomain }
        : {}),
    };
  }

  return {
    settings,
    async authorizationUrl(transaction, redirectUri) {
      const as = await metadata();
      if (!as.authorization_endpoint) throw new LoginError('idp_error', 'no authorization_endpoint');
      const url = new URL(as.authorization_endpoint);
      const params = {
        ...settings.authorizationParams,
        client_id: settings.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: settings.scopes.join(' '),
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await o.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return url;
    },

    async finishLogin(callback, transaction, redirectUri): Promise<UpstreamLogin> {
      const as = await metadata();
      const params = checkCallback(as, client, callback, transaction.state);
      let response: Response;
      try {
        response = await o.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          redirectUri,
          transaction.codeVerifier,
          options(),
        );
      } catch (error) {
        throw transportFailure('token', error);
      }
      const raw = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { id_token?: unknown };
      let tokens: o.TokenEndpointResponse;
      try {
        tokens = await o.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: transaction.nonce,
          requireIdToken: true,
        });
      } catch (error) {
        const reason =
          error instanceof o.ResponseBodyError || !raw.id_token ? 'idp_error' : 'id_token_invalid';
        throw new LoginError(reason, `token response: ${describe(error)}`);
      }
      const claims = await verifyIdToken(as, tokens.id_token ?? '');
      if (claims.nonce !== transaction.nonce) throw new LoginError('id_token_invalid', 'nonce mismatch');
      try {
        const identity = await identityFrom(as, claims, tokens.access_token);
        const kept = keep(tokens);
        return kept ? { identity, tokens: kept } : { identity };
      } catch (error) {
        throw transportFailure('userinfo', error);
      }
    },

    async revalidate(previous, tokens): Promise<Revalidation> {
      let as: o.AuthorizationServer;
      try {
        as = await metadata();
      } catch (error) {
        return { kind: 'unavailable', hint: describe(error) };
      }
      try {
        if (tokens.refreshToken) {
          const response = await o.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, options());
          const refreshed = await o.processRefreshTokenResponse(as, client, response);
          const fresh = keep(refreshed, tokens) ?? { accessToken: refreshed.access_token };
          const claims = refreshed.id_token ? await verifyIdToken(as, refreshed.id_token) : undefined;
          if (claims && claims.sub !== previous.subject) return { kind: 'refused', hint: 'subject changed' };
          const info = await userinfo(as, fresh.accessToken, previous.subject);
          return {
            kind: 'valid',
            identity: reported(previous, { ...(claims ?? {}), ...info }),
            tokens: fresh,
          };
        }
        if (tokens.expiresAt !== undefined && tokens.expiresAt <= deps.now()) return { kind: 'unsupported' };
        if (!as.userinfo_endpoint) return { kind: 'unsupported' };
        const info = await userinfo(as, tokens.accessToken, previous.subject);
        return { kind: 'valid', identity: reported(previous, info), tokens };
      } catch (error) {
        return classifyRevalidationError(error);
      }
    },
  };
}

/** invalid_grant and 401s are the IdP refusing the user; anything else is the IdP being unavailable. */
function classifyRevalidationError(error: unknown): Revalidation {
  if (error instanceof o.ResponseBodyError) {
    if (error.error === 'invalid_grant' || error.status === 401)
      return { kind: 'refused', hint: error.error };
    return { kind: 'unavailable', hint: `${error.status} ${error.error}` };
  }
  if (error instanceof o.WWWAuthenticateChallengeError) return { kind: 'refused', hint: 'userinfo 401' };
  if (error instanceof LoginError && error.reason === 'id_token_invalid')
    return { kind: 'refused', hint: error.hint };
  // userinfo answered for another subject
  if (error instanceof o.OperationProcessingError && error.code === o.JSON_ATTRIBUTE_COMPARISON)
    return { kind: 'refused', hint: 'subject changed' };
  return { kind: 'unavailable', hint: describe(error) };
}

export function toIdentity(settings: ProviderSettings, claims: Record<string, unknown>): Identity {
  const groups = claims[settings.groupsClaim];
  return {
    idp: settings.id,
    subject: String(claims.sub),
    email: typeof claims.email === 'string' ? claims.email : '',
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
    name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : '',
    groups: Array.isArray(groups)
      ? groups.filter((g): g is string => typeof g === 'string').slice(0, 500)
      : [],
    ...(typeof claims.hd === 'string' ? { hostedDomain: claims.hd } : {}),
  };
}

function pick(source: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.filter((name) => source[name] !== undefined).map((name) => [name, source[name]]),
  );
}
