import { type Context, Hono } from 'hono';
import { randomId, sha256 } from '../crypto';
import type { AppEnv } from '../http';
import { ErrorPage } from '../pages/error-page';
import { LoginError, type LoginFailureReason } from './identity';
import { completeLogin, loginFailurePage } from './login';
import { describe, type LoginTransaction } from './upstream/types';
import {
  afterLogin,
  type IdentityDeps,
  isAuthzId,
  LOGIN_COOKIE,
  localPath,
  startSession,
} from './web-session';

const TRANSACTION_TTL_MS = 10 * 60_000;

interface StoredTransaction extends LoginTransaction {
  idp: string;
  authz?: string;
  /** the local page to return to */
  next?: string;
  /** SHA-256 of the pre-login cookie: the callback must come back to the browser that started */
  browser: string;
}

/** The redirect URI to register at each identity provider. */
export function callbackUrl(issuer: string, idp: string): string {
  return `${issuer.replace(/\/$/, '')}/login/${idp}/callback`;
}

/** Federated login: redirect to the IdP with state + nonce + PKCE, then verify its answer at the callback. */
export function federationRoutes(deps: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const fail = async (c: Context, idp: string, reason: LoginFailureReason, hint: string) => {
    c.get('log').warn({ event: 'login.failed', idp, reason, hint }, 'login failed');
    const page = loginFailurePage(reason);
    if (!page.refused)
      await deps.audit.record({ event: 'login.failed', ip: c.get('clientIp'), reason, details: { idp } });
    return c.html(
      <ErrorPage
        title={page.title}
        message={page.message}
        help={page.refused ? deps.policy.helpText : undefined}
        retryHref={page.refused ? undefined : '/login'}
        reason={page.refused ? 'not_admitted' : reason}
        requestId={c.get('requestId')}
      />,
      page.status,
    );
  };

  app.get('/login/:idp', async (c) => {
    const provider = deps.providers.get(c.req.param('idp'));
    if (!provider)
      return c.html(<ErrorPage title="Not found" message="There is no such sign-in method." />, 404);
    const authz = c.req.query('authz');
    const next = localPath(c.req.query('next'));
    const transaction: LoginTransaction = {
      state: randomId(),
      nonce: randomId(),
      codeVerifier: randomId(32),
    };
    let target: URL;
    try {
      target = await provider.authorizationUrl(transaction, callbackUrl(deps.issuer, provider.settings.id));
    } catch (error) {
      // Nothing is stored before the IdP has answered discovery.
      if (error instanceof LoginError) return fail(c, provider.settings.id, error.reason, error.hint);
      return fail(c, provider.settings.id, 'idp_error', describe(error));
    }
    const binding = deps.cookies.get(c, LOGIN_COOKIE) ?? randomId();
    deps.cookies.set(c, LOGIN_COOKIE, binding, TRANSACTION_TTL_MS / 1000);
    const stored: StoredTransaction = {
      ...transaction,
      idp: provider.settings.id,
      ...(isAuthzId(authz) ? { authz } : {}),
      ...(next ? { next } : {}),
      browser: await sha256(binding),
    };
    await deps.transactions.set(
      `login-tx:${await sha256(transaction.state)}`,
      await deps.keyRing.encrypt(JSON.stringify(stored), 'login-tx'),
      TRANSACTION_TTL_MS,
    );
    return c.redirect(target.toString(), 302);
  });

  app.get('/login/:idp/callback', async (c) => {
    const idp = c.req.param('idp');
    const provider = deps.providers.get(idp);
    if (!provider)
      return c.html(<ErrorPage title="Not found" message="There is no such sign-in method." />, 404);
    const callback = new URL(c.req.url).searchParams;
    const state = callback.get('state');
    if (!state || state.length > 200) return fail(c, idp, 'state_invalid', 'no state');
    // Single use: taken atomically, so a replayed callback finds nothing.
    const sealed = await deps.transactions.take(`login-tx:${await sha256(state)}`);
    if (!sealed) return fail(c, idp, 'state_invalid', 'unknown, expired or replayed state');
    const stored = JSON.parse(await deps.keyRing.decrypt(sealed, 'login-tx')) as StoredTransaction;
    const binding = deps.cookies.get(c, LOGIN_COOKIE);
    if (stored.idp !== idp || !binding || (await sha256(binding)) !== stored.browser)
      return fail(c, idp, 'state_invalid', 'state from another browser or provider');

    let login: Awaited<ReturnType<typeof provider.finishLogin>>;
    try {
      login = await provider.finishLogin(callback, stored, callbackUrl(deps.issuer, idp));
    } catch (error) {
      if (error instanceof LoginError) return fail(c, idp, error.reason, error.hint);
      c.get('log').error({ err: error, idp }, 'unexpected error finishing a login');
      return fail(c, idp, 'idp_error', describe(error));
    }
    const outcome = await completeLogin(
      deps,
      provider.settings,
      login.identity,
      login.tokens,
      c.get('clientIp'),
    );
    if (!outcome.ok) return fail(c, idp, outcome.reason, 'access policy');
    await startSession(deps, c, outcome.user);
    deps.cookies.clear(c, LOGIN_COOKIE);
    return c.redirect(afterLogin(stored.authz, stored.next), 303);
  });

  return app;
}
