import * as o from 'oauth4webapi';
import type { Identity, UpstreamTokens } from '../identity';
import type { ProviderSettings } from '../presets';
import {
  checkCallback,
  describe,
  keptTokens,
  type LoginTransaction,
  type Revalidation,
  requestOptions,
  transportFailure,
  type UpstreamDeps,
  type UpstreamLogin,
  type UpstreamProvider,
} from './types';

interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
}
interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

class GitHubApiError extends Error {
  constructor(readonly status: number) {
    super(`GitHub API answered ${status}`);
  }
}

/**
 * GitHub (and GitHub Enterprise Server) sign-in. GitHub is OAuth 2.0, not OpenID Connect: there is no
 * id_token, so who the user is comes from its REST API (`/user`), the email from `/user/emails` (the
 * primary address, only if verified), and groups from `/user/orgs` when `read:org` is granted.
 */
export function createGitHubProvider(settings: ProviderSettings, deps: UpstreamDeps): UpstreamProvider {
  const fetcher = deps.fetch ?? fetch;
  const api = settings.apiUrl ?? 'https://api.github.com';
  const as: o.AuthorizationServer = {
    issuer: settings.issuer,
    authorization_endpoint: `${settings.issuer}/login/oauth/authorize`,
    token_endpoint: `${settings.issuer}/login/oauth/access_token`,
  };
  const client: o.Client = { client_id: settings.clientId };
  const auth = o.ClientSecretPost(settings.clientSecret ?? '');
  const options = requestOptions(deps, settings.issuer);

  async function get<T>(path: string, token: string): Promise<T> {
    const response = await fetcher(`${api}${path}`, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    if (!response.ok) throw new GitHubApiError(response.status);
    return (await response.json()) as T;
  }

  async function whoIs(token: string): Promise<Identity> {
    const user = await get<GitHubUser>('/user', token);
    const emails = await get<GitHubEmail[]>('/user/emails', token);
    const primary = emails.find((entry) => entry.primary);
    const orgs = settings.scopes.includes('read:org')
      ? (await get<Array<{ login: string }>>('/user/orgs', token)).map((org) => org.login)
      : [];
    return {
      idp: settings.id,
      subject: String(user.id), // the numeric id: logins can be renamed and reused
      email: primary?.email ?? '',
      emailVerified: primary?.verified === true,
      name: (user.name ?? user.login).slice(0, 200),
      groups: orgs,
    };
  }

  const keep = (tokens: o.TokenEndpointResponse, previous?: UpstreamTokens) =>
    keptTokens(tokens, deps.now(), previous);

  return {
    settings,
    async authorizationUrl(transaction: LoginTransaction, redirectUri: string) {
      const url = new URL(as.authorization_endpoint ?? '');
      const params = {
        client_id: settings.clientId,
        redirect_uri: redirectUri,
        scope: settings.scopes.join(' '),
        state: transaction.state,
        code_challenge: await o.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
        allow_signup: 'false',
      };
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return url;
    },

    async finishLogin(callback, transaction, redirectUri): Promise<UpstreamLogin> {
      const params = checkCallback(as, client, callback, transaction.state);
      let tokens: o.TokenEndpointResponse;
      try {
        const response = await o.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          params,
          redirectUri,
          transaction.codeVerifier,
          options(),
        );
        tokens = await o.processAuthorizationCodeResponse(as, client, response);
      } catch (error) {
        throw transportFailure('token', error);
      }
      try {
        const identity = await whoIs(tokens.access_token);
        return settings.keepTokens ? { identity, tokens: keep(tokens) } : { identity };
      } catch (error) {
        throw transportFailure('api', error);
      }
    },

    async revalidate(previous, tokens): Promise<Revalidation> {
      try {
        let current = tokens;
        // GitHub App user tokens expire and come with a refresh token; OAuth App tokens do not expire.
        if (
          tokens.refreshToken &&
          tokens.expiresAt !== undefined &&
          tokens.expiresAt <= deps.now() + 60_000
        ) {
          const response = await o.refreshTokenGrantRequest(as, client, auth, tokens.refreshToken, options());
          current = keep(await o.processRefreshTokenResponse(as, client, response), tokens);
        } else if (tokens.expiresAt !== undefined && tokens.expiresAt <= deps.now()) {
          return { kind: 'unsupported' };
        }
        const identity = await whoIs(current.accessToken);
        if (identity.subject !== previous.subject) return { kind: 'refused', hint: 'subject changed' };
        return { kind: 'valid', identity, tokens: current };
      } catch (error) {
        if (error instanceof GitHubApiError && (error.status === 401 || error.status === 403))
          return { kind: 'refused', hint: `api ${error.status}` };
        if (error instanceof o.ResponseBodyError && error.error === 'invalid_grant')
          return { kind: 'refused', hint: 'invalid_grant' };
        return { kind: 'unavailable', hint: describe(error) };
      }
    },
  };
}
