import { type Context, Hono } from 'hono';
import type { HmacKey } from '../crypto';
import { randomId } from '../crypto';
import type { AppEnv } from '../http';
import { LoginPage } from '../pages/login-page';
import type { CookieJar } from './cookies';
import { csrfToken, verifyCsrfToken } from './csrf';
import { devLoginUser } from './dev-login';
import type { Session, SessionManager } from './session';

export const SESSION_COOKIE = 'gh_session';
const LOGIN_COOKIE = 'gh_login';

export interface IdentityDeps {
  sessions: SessionManager;
  cookies: CookieJar;
  hmacKey: HmacKey;
  devLoginEnabled: boolean;
  sessionMaxAgeSeconds: number;
}

/** The signed-in session of this request, if any. */
export function currentSession(deps: IdentityDeps, c: Context): Promise<Session | undefined> {
  return deps.sessions.get(deps.cookies.get(c, SESSION_COOKIE));
}

/** Where to go after login: only a pending authorization id, never a URL (no open redirect). */
export function loginUrl(authz?: string): string {
  return authz ? `/login?authz=${encodeURIComponent(authz)}` : '/login';
}

function afterLogin(authz: unknown): string {
  return typeof authz === 'string' && /^[\w-]{16,64}$/.test(authz)
    ? `/oauth/consent?authz=${encodeURIComponent(authz)}`
    : '/account/apps';
}

/** Login (the development identity provider for now) and logout. */
export function identityRoutes(deps: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/login', async (c) => {
    if (!deps.devLoginEnabled)
      return c.json({ error: 'not_found', error_description: 'no login method is configured' }, 404);
    // Login CSRF: the form carries an HMAC of a fresh pre-login cookie.
    const binding = randomId();
    deps.cookies.set(c, LOGIN_COOKIE, binding, 600);
    const csrf = await csrfToken(deps.hmacKey, binding, 'login');
    return c.html(<LoginPage csrf={csrf} authz={c.req.query('authz')} />);
  });

  app.post('/login', async (c) => {
    if (!deps.devLoginEnabled)
      return c.json({ error: 'not_found', error_description: 'no login method is configured' }, 404);
    const form = await c.req.parseBody();
    const binding = deps.cookies.get(c, LOGIN_COOKIE);
    if (!(await verifyCsrfToken(deps.hmacKey, binding, 'login', form.csrf))) {
      return c.json(
        {
          error: 'invalid_request',
          error_description: 'the form expired or was not sent by this site; reload the page',
        },
        403,
      );
    }
    const checked = await devLoginUser(deps.hmacKey, form.email, form.name);
    if (!checked.ok) {
      const csrf = await csrfToken(deps.hmacKey, binding ?? '', 'login');
      const authz = typeof form.authz === 'string' ? form.authz : undefined;
      return c.html(<LoginPage csrf={csrf} authz={authz} error={checked.reason} />, 400);
    }
    // A new session id at every login (no fixation); the old one, if any, is destroyed.
    await deps.sessions.destroy(deps.cookies.get(c, SESSION_COOKIE));
    const session = await deps.sessions.create(checked.user);
    deps.cookies.set(c, SESSION_COOKIE, session, deps.sessionMaxAgeSeconds);
    deps.cookies.clear(c, LOGIN_COOKIE);
    c.get('log').info({ event: 'login', user: checked.user.id, method: 'dev' }, 'user signed in');
    return c.redirect(afterLogin(form.authz), 303);
  });

  app.post('/logout', async (c) => {
    await deps.sessions.destroy(deps.cookies.get(c, SESSION_COOKIE));
    deps.cookies.clear(c, SESSION_COOKIE);
    return c.redirect('/login', 303);
  });

  return app;
}
