import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './gatehouse';

export interface FakeGitHubUser {
  id: number;
  login: string;
  name?: string;
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
  orgs?: string[];
}

/**
 * A small stand-in for GitHub's OAuth endpoints and REST API (GitHub is OAuth 2.0, not OpenID Connect, so
 * no OIDC provider can play it). It behaves as GitHub documents: the authorize step redirects at once for
 * `nextLogin`, the token endpoint checks the client secret and PKCE S256 and answers errors with HTTP 200,
 * and the API needs a live token.
 */
export async function startFakeGitHub(options: {
  clientId: string;
  clientSecret: string;
  users: FakeGitHubUser[];
}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const codes = new Map<string, { login: string; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, string>(); // token -> login
  const state = { nextLogin: options.users[0]?.login ?? '', requests: [] as string[] };

  const body = (req: IncomingMessage) =>
    new Promise<URLSearchParams>((resolve) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => resolve(new URLSearchParams(text)));
    });

  const server: Server = createServer(async (req, res) => {
    const request = new URL(req.url ?? '/', url);
    state.requests.push(`${req.method} ${request.pathname}`);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (request.pathname === '/login/oauth/authorize') {
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        login: state.nextLogin,
        challenge: request.searchParams.get('code_challenge') ?? '',
        redirectUri: request.searchParams.get('redirect_uri') ?? '',
      });
      const back = new URL(request.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', request.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (request.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      const form = await body(req);
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (form.get('client_id') !== options.clientId || form.get('client_secret') !== options.clientSecret)
        return json(200, { error: 'incorrect_client_credentials', error_description: 'bad client' });
      if (!issued || issued.challenge !== challenge || issued.redirectUri !== form.get('redirect_uri'))
        return json(200, {
          error: 'bad_verification_code',
          error_description: 'The code passed is incorrect or expired.',
        });
      const token = `gho_${randomBytes(16).toString('hex')}`;
      tokens.set(token, issued.login);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:org,read:user,user:email' });
    }
    const login = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    const user = options.users.find((candidate) => candidate.login === login);
    if (!user) return json(401, { message: 'Bad credentials' });
    if (request.pathname === '/api/user')
      return json(200, { id: user.id, login: user.login, name: user.name ?? null });
    if (request.pathname === '/api/user/emails') return json(200, user.emails);
    if (request.pathname === '/api/user/orgs')
      return json(
        200,
        (user.orgs ?? []).map((org) => ({ login: org })),
      );
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    url,
    state,
    users: options.users,
    /** The user revoked Gatehouse's authorization at GitHub: every token of theirs stops working. */
    revokeTokensOf(login: string) {
      for (const [token, owner] of tokens) if (owner === login) tokens.delete(token);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
