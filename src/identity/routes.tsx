import { type Context, Hono } from 'hono';
import type { HmacKey, KeyRing } from '../crypto';
import { randomId } from '../crypto';
import type { AppEnv } from '../http';
import { ErrorPage } from '../pages/error-page';
import { LoginPage } from '../pages/login-page';
import type { EphemeralStore } from '../store';
import type { AuditLog } from '../telemetry';
import type { CookieJar } from './cookies';
import { csrfToken, verifyCsrfToken } from './csrf';
import { devLoginIdentity } from './dev-login';
import type { UserDirectory } from './directory';
import { federationRoutes } from './federation-routes';
import type { IdentityGuard } from './guard';
import { completeLogin, type LoginDeps, loginFailurePage } from './login';
import type { AccessPolicy } from './policy';
import type { Session, SessionManager } from './session';
import type { UpstreamProvider } from './upstream/types';
import type { User } from './user';

export const SESSION_COOKIE = 'gh_session';
export const LOGIN_COOKIE = 'gh_login';

export interface IdentityDeps {
  issuer: string;
  sessions: SessionManager;
  cookies: CookieJar;
  hmacKey: HmacKey;
  keyRing: KeyRing;
  devLoginEnabled: boolean;
  sessionMaxAgeSeconds: number;
  /** configured identity providers, in configuration order */
  providers: ReadonlyMap<string, UpstreamProvider>;
  directory: UserDirectory;
  guard: IdentityGuard;
  policy: AccessPolicy;
  audit: AuditLog;
  /** login transactions (state, nonce, PKCE verifier), single use */
  transactions: EphemeralStore;
}

/**
 * The signed-in session of this request, if any. A session older than the user's last drift revocation
 * is dead even if its cookie is still live.
 */
export async function currentSession(deps: IdentityDeps, c: Context): Promise<Session | undefined> {
  const cookie = deps.cookies.get(c, SESSION_COOKIE);
  const session = await deps.sessions.get(cookie);
  if (!session) return undefined;
  const user = await deps.directory.get(session.user.id);
  if (!user || session.createdAt < user.sessionsValidAfter) {
    await deps.sessions.destroy(cookie);
    return undefined;
  }
  return session;
}

/** Where to go after login: only a pending authorization id, never a URL (no open redirect). */
export function loginUrl(authz?: string): string {
  return authz ? `/login?authz=${encodeURIComponent(authz)}` : '/login';
}

export function isAuthzId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{16,64}$/.test(value);
}

export function afterLogin(authz: unknown): string {
  return isAuthzId(authz) ? `/oauth/consent?authz=${encodeURIComponent(authz)}` : '/account/apps';
}

/** Starts the browser session of a user who just signed in (a new id at every login: no fixation). */
export async function startSession(deps: IdentityDeps, c: Context, user: User): Promise<void> {
  await deps.sessions.destroy(deps.cookies.get(c, SESSION_COOKIE));
  const session = await deps.sessions.create(user);
  deps.cookies.set(c, SESSION_COOKIE, session, deps.sessionMaxAgeSeconds);
}

export function loginDeps(deps: IdentityDeps): LoginDeps {
  return { directory: deps.directory, guard: deps.guard, policy: deps.policy, audit: deps.audit };
}

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
    error?: string,
    status: 200 | 400 = 200,
  ) => {
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
        devLogin={devLogin}
        error={error}
      />,
      status,
    );
  };

  app.get('/login', async (c) => {
    const authz = c.req.query('authz');
    if (!deps.devLoginEnabled && providerList.length === 0) return noLogin(c);
    // One way to sign in: go straight there, no chooser.
    const only = providerList[0];
    if (!deps.devLoginEnabled && providerList.length === 1 && only) {
      return c.redirect(`/login/${only.id}${isAuthzId(authz) ? `?authz=${authz}` : ''}`, 302);
    }
    return loginPage(c, authz);
  });

  app.post('/login', async (c) => {
    if (!deps.devLoginEnabled) return noLogin(c);
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
    const checked = devLoginIdentity(form.email, form.name);
    const authz = typeof form.authz === 'string' ? form.authz : undefined;
    if (!checked.ok) return loginPage(c, authz, checked.reason, 400);
    const outcome = await completeLogin(
      loginDeps(deps),
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
    return c.redirect(afterLogin(form.authz), 303);
  });

  app.route('/', federationRoutes(deps));

  app.post('/logout', async (c) => {
    await deps.sessions.destroy(deps.cookies.get(c, SESSION_COOKIE));
    deps.cookies.clear(c, SESSION_COOKIE);
    return c.redirect('/login', 303);
  });

  return app;
}
