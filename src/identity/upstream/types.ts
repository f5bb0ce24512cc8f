import * as o from 'oauth4webapi';
import { isLoopbackHost } from '../../config';
import { type Identity, LoginError, type UpstreamTokens } from '../identity';
import type { ProviderSettings } from '../presets';

/** The single-use values of one login, kept server-side between the redirect and the callback. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface UpstreamLogin {
  identity: Identity;
  /** present only when the provider keeps tokens */
  tokens?: UpstreamTokens;
}

/** The outcome of asking the IdP again whether a user is still who they were. */
export type Revalidation =
  | { kind: 'valid'; identity: Identity; tokens: UpstreamTokens }
  /** the IdP refused the user or the grant (invalid_grant, 401 on userinfo): terminal */
  | { kind: 'refused'; hint: string }
  /** the IdP could not be asked (down, timeout, 5xx): try again later, revoke nothing */
  | { kind: 'unavailable'; hint: string }
  /** nothing to ask with (no refresh token and the access token expired) */
  | { kind: 'unsupported' };

/** One upstream identity provider, by protocol (OpenID Connect or GitHub's OAuth 2.0 + REST API). */
export interface UpstreamProvider {
  readonly settings: ProviderSettings;
  authorizationUrl(transaction: LoginTransaction, redirectUri: string): Promise<URL>;
  /** Verifies the callback and returns who signed in; throws LoginError. */
  finishLogin(
    callback: URLSearchParams,
    transaction: LoginTransaction,
    redirectUri: string,
  ): Promise<UpstreamLogin>;
  revalidate(previous: Identity, tokens: UpstreamTokens): Promise<Revalidation>;
}

export interface UpstreamDeps {
  /** injected in tests; defaults to the global fetch */
  fetch?: typeof fetch;
  now: () => number;
  timeoutMs: number;
  jwksCooldownMs: number;
}

/** True for errors that mean "could not reach the IdP" rather than "the IdP said no". */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  return (
    error instanceof TypeError &&
    /fetch failed|network|ECONNREFUSED/i.test(`${error.message} ${String(error.cause)}`)
  );
}

/** http is allowed only for loopback IdPs (config refuses the rest): tests and development. */
function isLoopbackHttp(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
}

/** oauth4webapi options every IdP request shares: the injected fetch, loopback http, a timeout. */
export function requestOptions(deps: UpstreamDeps, issuer: string) {
  const insecure = isLoopbackHttp(issuer);
  const fetcher = deps.fetch ?? fetch;
  return () => ({
    [o.customFetch]: fetcher,
    [o.allowInsecureRequests]: insecure,
    signal: AbortSignal.timeout(deps.timeoutMs),
  });
}

/** The tokens worth keeping from a token response; a refresh without a new refresh token keeps the old one. */
export function keptTokens(
  tokens: o.TokenEndpointResponse,
  now: number,
  previous?: UpstreamTokens,
): UpstreamTokens {
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  return {
    accessToken: tokens.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(tokens.expires_in ? { expiresAt: now + tokens.expires_in * 1000 } : {}),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
}

/**
 * Checks the callback: state, and the RFC 9207 iss parameter when the IdP supports it (mix-up defence).
 * An error answered by the IdP is `idp_denied`; anything else wrong is `state_invalid`.
 */
export function checkCallback(
  as: o.AuthorizationServer,
  client: o.Client,
  callback: URLSearchParams,
  state: string,
): URLSearchParams {
  try {
    return o.validateAuthResponse(as, client, callback, state);
  } catch (error) {
    if (error instanceof o.AuthorizationResponseError)
      throw new LoginError('idp_denied', `${error.error}: ${error.error_description ?? ''}`);
    throw new LoginError('state_invalid', describe(error));
  }
}

/** A failed exchange with the IdP at a login step: unreachable (down, timeout) or an unusable answer. */
export function transportFailure(step: string, error: unknown): LoginError {
  return new LoginError(
    isUnreachable(error) ? 'idp_unreachable' : 'idp_error',
    `${step}: ${describe(error)}`,
  );
}

/** A short description of an error, for logs. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
