import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from './gatehouse';

export interface TestUser {
  email: string;
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
  /** the IdP no longer knows this account (refresh and userinfo fail) */
  disabled?: boolean;
  /** Google Workspace hosted domain (`hd` claim) */
  hostedDomain?: string;
  /** send no email_verified claim at all (as Microsoft Entra does) */
  omitEmailVerified?: boolean;
}

export interface TestClient {
  clientId: string;
  clientSecret?: string;
  redirectUris: string[];
  idTokenAlg?: 'RS256' | 'ES256';
}

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateJwk: JWK;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateKey,
    privateJwk,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
  };
}

/**
 * A real OpenID Connect provider (panva's oidc-provider) on a loopback port, as the upstream IdP in tests.
 * Users sign in without a form: the interaction is answered for `nextLogin`. Keys are real RS256 and ES256
 * keys; `rotateKeys()` restarts the provider with a new signing key first. `tamperTokenResponse` lets a test
 * rewrite the token endpoint's JSON on its way out, to forge hostile id_tokens with the IdP's real keys.
 */
export async function startTestIdp(options: {
  clients: TestClient[];
  users: Record<string, TestUser>;
  /** put email claims in the id_token (true) or only in userinfo (false: oidc-provider's default) */
  claimsInIdToken?: boolean;
  accessTokenTtlSeconds?: number;
  /**
   * A public issuer to play (e.g. https://accounts.google.com): served on loopback behind a test fetch that
   * rewrites it (see rewrite-fetch.ts), the provider trusting X-Forwarded-Proto/Host as behind a proxy.
   */
  issuer?: string;
}) {
  const port = await freePort();
  const loopback = `http://127.0.0.1:${port}`;
  const issuer = options.issuer ?? loopback;
  const mountPath = options.issuer ? new URL(options.issuer).pathname.replace(/\/$/, '') : '';
  let keys: SigningKey[] = [await newKey('RS256', 'rs-1'), await newKey('ES256', 'es-1')];
  const state = {
    nextLogin: Object.keys(options.users)[0] ?? '',
    tamperTokenResponse: undefined as
      | undefined
      | ((body: Record<string, unknown>) => Promise<Record<string, unknown>>),
    requests: [] as string[],
    /** every request URL with its query, for checks on authorization parameters */
    urls: [] as string[],
    down: false,
  };

  const build = () => {
    const configuration: Configuration = {
      clients: options.clients.map((client) => ({
        client_id: client.clientId,
        ...(client.clientSecret
          ? { client_secret: client.clientSecret }
          : { token_endpoint_auth_method: 'none' as const }),
        redirect_uris: client.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        id_token_signed_response_alg: client.idTokenAlg ?? 'RS256',
      })),
      jwks: { keys: keys.map((key) => key.privateJwk) as never },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified', 'hd'],
        profile: ['name'],
        groups: ['groups'],
      },
      scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
      conformIdTokenClaims: !options.claimsInIdToken,
      cookies: { keys: ['test-cookie-key-0123456789'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      ttl: {
        AccessToken: options.accessTokenTtlSeconds ?? 3600,
        IdToken: 3600,
        RefreshToken: 86_400,
        Interaction: 600,
        Grant: 86_400,
        Session: 86_400,
      },
      rotateRefreshToken: true,
      findAccount: async (_ctx, sub) => {
        const user = options.users[sub];
        if (!user || user.disabled) return undefined;
        return {
          accountId: sub,
          claims: async () => ({
            sub,
            email: user.email,
            ...(user.omitEmailVerified ? {} : { email_verified: user.emailVerified ?? true }),
            ...(user.hostedDomain ? { hd: user.hostedDomain } : {}),
            name: user.name ?? sub,
            groups: user.groups ?? [],
          }),
        };
      },
    };
    const provider = new Provider(issuer, configuration);
    if (options.issuer) provider.proxy = true;
    provider.on('server_error', (_ctx, error) => console.error('test IdP error', error));
    return provider;
  };
  let provider = build();

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const accountId = state.nextLogin;
    const clientId = String(details.params.client_id);
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      {
        mergeWithLastSubmission: false,
      },
    );
  }

  /** Lets a test rewrite the token response: captures Koa's single res.end(body) for /token. */
  function tamper(
    res: ServerResponse,
    transform: (body: Record<string, unknown>) => Promise<Record<string, unknown>>,
  ) {
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    res.end = ((chunk?: unknown) => {
      if (!chunk || res.statusCode !== 200) return end(chunk);
      const body = JSON.parse(String(chunk)) as Record<string, unknown>;
      transform(body).then(
        (changed) => {
          const text = JSON.stringify(changed);
          if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(text));
          end(text);
        },
        () => end(chunk),
      );
      return res;
    }) as typeof res.end;
  }

  const server: Server = createServer((req, res) => {
    state.urls.push(req.url ?? '');
    if (mountPath && req.url?.startsWith(mountPath)) {
      // The issuer has a path: oidc-provider serves below it (it derives its mount path from originalUrl).
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = req.url.slice(mountPath.length) || '/';
    }
    state.requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    if (state.down) {
      req.socket.destroy();
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/token') && state.tamperTokenResponse) {
      const transform = state.tamperTokenResponse;
      state.tamperTokenResponse = undefined;
      tamper(res, transform);
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    issuer,
    /** where the IdP really listens (the rewrite target for a public issuer) */
    loopback,
    users: options.users,
    state,
    get keys() {
      return keys;
    },
    /** Signs claims with one of the IdP's real keys (or a key of the test's own), for hostile cases. */
    async sign(
      claims: Record<string, unknown>,
      key: SigningKey = keys[0] as SigningKey,
      header: Record<string, unknown> = {},
    ) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
        .sign(key.privateKey);
    },
    newKey,
    /** Key rotation: a new signing key first, the old ones after it; clients must refetch the JWKS. */
    async rotateKeys(alg: 'RS256' | 'ES256' = 'RS256') {
      keys = [await newKey(alg, `${alg.slice(0, 2).toLowerCase()}-${keys.length + 1}`), ...keys];
      provider = build();
      return keys[0] as SigningKey;
    },
    count(prefix: string) {
      return state.requests.filter((line) => line.startsWith(prefix)).length;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type TestIdp = Awaited<ReturnType<typeof startTestIdp>>;
