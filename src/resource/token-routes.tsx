import { type Context, Hono } from 'hono';
import { ADMIN_API_PATH, userIsAdmin } from '../admin/admin-guard';
import { type AppEnv, readHtmlForm } from '../http';
import { csrfToken, verifyCsrfToken } from '../identity/csrf';
import type { Session } from '../identity/session';
import { currentSession, type IdentityDeps, loginPath, viewerOf } from '../identity/web-session';
import { ErrorPage } from '../pages/error-page';
import { utcMinute } from '../pages/format';
import { type TokenDraft, TokensPage } from '../pages/tokens-page';
import type { AuditLog } from '../telemetry';
import { createPat, listPats, type PatDeps, revokePat } from './pat';

/** A time as the page shows it: minutes, with its zone (the server's clock is UTC; the reader's may not be). */
const day = (at: number | null, none: string) => (at === null ? none : utcMinute(at));

/** Expiry choices offered on the page, up to the configured maximum. */
export function expiryChoices(max: number, defaultDays: number): number[] {
  return [...new Set([7, 30, 90, 365, defaultDays, max])].filter((days) => days <= max).sort((a, b) => a - b);
}

/** The "Tokens" page: a signed-in user's personal access tokens. */
export function tokenRoutes(pats: PatDeps, identity: IdentityDeps, audit: AuditLog): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const endpoints = pats.resources
    .filter((resource) => (resource.auth ?? ['oauth', 'pat']).includes('pat'))
    .map((resource) => ({
      path: resource.path,
      name: resource.name,
      scopes: resource.scopes.map((scope) => ({ name: scope.name, description: scope.description })),
    }));

  const render = async (
    c: Context<AppEnv>,
    session: Session,
    extra: {
      created?: { token: string; name: string; url: string };
      error?: string;
      draft?: TokenDraft;
    } = {},
    status: 200 | 201 | 400 = 200,
  ) => {
    const tokens = (await listPats(pats, session.user.id)).map((token) => ({
      id: token.id,
      prefix: token.prefix,
      name: token.name,
      scopes: token.scopes,
      resource: token.resource,
      created: day(token.createdAt, ''),
      lastUsed: day(token.lastUsedAt, 'never'),
      expires: day(token.expiresAt, 'never'),
    }));
    // The admin API's tokens are offered to admins only.
    const admin = await userIsAdmin(identity, session.user.id);
    c.header('Cache-Control', 'no-store'); // the page may carry a new token
    return c.html(
      <TokensPage
        tokens={tokens}
        viewer={await viewerOf(identity, session)}
        endpoints={admin ? endpoints : endpoints.filter((endpoint) => endpoint.path !== ADMIN_API_PATH)}
        csrf={await csrfToken(identity.hmacKey, session.id, 'tokens')}
        userEmail={session.user.email}
        expiryChoices={expiryChoices(pats.policy.maxLifetimeDays, pats.policy.defaultLifetimeDays)}
        defaultDays={pats.policy.defaultLifetimeDays}
        allowNoExpiry={!pats.policy.requireExpiry}
        {...extra}
      />,
      status,
    );
  };
  const refused = (c: Context<AppEnv>) =>
    c.html(
      <ErrorPage title="Request refused" message="Sign in again and retry." requestId={c.get('requestId')} />,
      403,
    );

  app.get('/account/tokens', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginPath(c), 302);
    return render(c, session);
  });

  app.post('/account/tokens', async (c) => {
    const session = await currentSession(identity, c);
    const form = await readHtmlForm(c, { all: true });
    if (!session || !(await verifyCsrfToken(identity.hmacKey, session.id, 'tokens', form.csrf)))
      return refused(c);
    const expires = form.expires_days;
    // After an error the form shows what was sent, so nothing has to be typed again.
    const draft: TokenDraft = {
      resource: typeof form.resource === 'string' ? form.resource : '',
      name: typeof form.name === 'string' ? form.name : '',
      scopes: ([] as unknown[]).concat(form.scope ?? []).filter((s): s is string => typeof s === 'string'),
      expiresDays: typeof expires === 'string' ? expires : '',
    };
    if (form.resource === ADMIN_API_PATH && !(await userIsAdmin(identity, session.user.id)))
      return render(c, session, { error: 'Only admins may create tokens for the admin API.', draft }, 400);
    const created = await createPat(pats, session.user.id, {
      name: form.name,
      resourcePath: form.resource,
      scopes: ([] as unknown[]).concat(form.scope ?? []),
      expiresInDays: expires === 'never' ? null : Number(expires),
    });
    if (!created.ok) return render(c, session, { error: created.reason, draft }, 400);
    await audit.record({
      event: 'pat.created',
      userId: session.user.id,
      clientId: `pat:${created.id}`,
      resource: typeof form.resource === 'string' ? form.resource : null,
      ip: c.get('clientIp'),
    });
    const url = `${new URL(identity.issuer).origin}${draft.resource}`;
    return render(c, session, { created: { token: created.token, name: draft.name.trim(), url } }, 201);
  });

  app.post('/account/tokens/revoke', async (c) => {
    const session = await currentSession(identity, c);
    const form = await readHtmlForm(c);
    if (!session || !(await verifyCsrfToken(identity.hmacKey, session.id, 'tokens', form.csrf)))
      return refused(c);
    const id = typeof form.token === 'string' ? form.token : '';
    const outcome = await revokePat(pats, session.user.id, id);
    await audit.record({
      event: outcome === 'revoked' ? 'pat.revoked' : 'pat.revoke_refused',
      userId: session.user.id,
      clientId: id ? `pat:${id.slice(0, 80)}` : null,
      ip: c.get('clientIp'),
      details: { by: 'user' },
    });
    if (outcome === 'not_found')
      return c.html(
        <ErrorPage title="Not found" message="There is no such token." requestId={c.get('requestId')} />,
        404,
      );
    return c.redirect('/account/tokens', 303);
  });

  return app;
}
