import { type Context, Hono } from 'hono';
import { randomId } from '../crypto';
import { type AppEnv, readHtmlForm } from '../http';
import { ErrorPage } from '../pages/error-page';
import { LoginPage } from '../pages/login-page';
import { csrfToken, verifyCsrfToken } from './csrf';
import { devLoginIdentity } from './dev-login';
import { federationRoutes } from './federation-routes';
import { completeLogin, loginFailurePage } from './login';
import {
  afterLogin,
  type IdentityDeps,
  isAuthzId,
  LOGIN_COOKIE,
  localPath,
  SESSION_COOKIE,
  startSession,
} from './web-session';

/** Login: the chooser, the development login, federation to the configured IdPs, and logout. */
export function identityRoutes(deps: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const providerList = [...deps.providers.values()].map((p) => ({
    id: p.settings.id,
    name: p.settings.displayName,
  }));
  const noLogin = (c: Context) =>
    c.html(
      <ErrorPage
        title="Sign-in is not configured"
        message="No login method is configured on this Gatehouse. Ask its administrator."
        requestId={c.get('requestId')}
      />,
      404,
    );

  const loginPage = async (
    c: Context,
    authz: string | undefined,
    next: unknown,
    error?: string,
    status: 200 | 400 = 200,
  ) => {
    const local = localPath(next);
    let devLogin: { csrf: string } | undefined;
    if (deps.devLoginEnabled) {
      // Login CSRF: the dev form carries an HMAC of a fresh pre-login cookie.
      const binding = deps.cookies.get(c, LOGIN_COOKIE) ?? randomId();
      deps.cookies.set(c, LOGIN_COOKIE, binding, 600);
      devLogin = { csrf: await csrfToken(deps.hmacKey, binding, 'login') };
    }
    return c.html(
      <LoginPage
        providers={providerList}
        authz={isAuthzId(authz) ? authz : undefined}
        {...(local ? { next: local } : {})}
        devLogin={devLogin}
        error={error}
      />,
      status,
    );
  };

  app.get('/login', async (c) => {
    const authz = c.req.query('authz');
    const next = localPath(c.req.query('next'));
    if (!deps.devLoginEnabled && providerList.length === 0) return noLogin(c);
    // One way to sign in: go straight there, no chooser.
    const only = providerList[0];
    if (!deps.devLoginEnabled && providerList.length === 1 && only) {
      const params = new URLSearchParams();
      if (isAuthzId(authz)) params.set('authz', authz);
      if (next) params.set('next', next);
      return c.redirect(`/login/${only.id}${params.size > 0 ? `?${params}` : ''}`, 302);
    }
    return loginPage(c, authz, next);
  });

  app.post('/login', async (c) => {
    if (!deps.devLoginEnabled) return noLogin(c);
    const form = await readHtmlForm(c);
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
    const checked = devLoginIdentity(form.email, form.name);
    const authz = typeof form.authz === 'string' ? form.authz : undefined;
    if (!checked.ok) return loginPage(c, authz, form.next, checked.reason, 400);
    const outcome = await completeLogin(
      deps,
      { requireEmailVerified: false },
      checked.identity,
      undefined,
      c.get('clientIp'),
    );
    if (!outcome.ok) {
      const page = loginFailurePage(outcome.reason);
      return c.html(
        <ErrorPage
          title={page.title}
          message={page.message}
          help={deps.policy.helpText}
          reason="not_admitted"
          requestId={c.get('requestId')}
        />,
        403,
      );
    }
    await startSession(deps, c, outcome.user);
    deps.cookies.clear(c, LOGIN_COOKIE);
    return c.redirect(afterLogin(form.authz, form.next), 303);
  });

  app.route('/', federationRoutes(deps));

  app.post('/logout', async (c) => {
    await deps.sessions.destroy(deps.cookies.get(c, SESSION_COOKIE));
    deps.cookies.clear(c, SESSION_COOKIE);
    return c.redirect('/', 303);
  });

  return app;
}
