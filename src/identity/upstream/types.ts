import type { Identity, UpstreamTokens } from '../identity';
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

export function isLoopbackHttp(url: string): boolean {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return (
    parsed.protocol === 'http:' &&
    (host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host))
  );
}
