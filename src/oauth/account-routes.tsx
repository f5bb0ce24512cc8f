import { Hono } from 'hono';
import { type AppEnv, readHtmlForm } from '../http';
import { csrfToken, verifyCsrfToken } from '../identity/csrf';
import { currentSession, type IdentityDeps, loginPath, viewerOf } from '../identity/web-session';
import { type ConnectedApp, ConnectedAppsPage } from '../pages/connected-apps-page';
import { ErrorPage } from '../pages/error-page';
import { utcMinute } from '../pages/format';
import type { AuthorizationServerDeps, GrantClaims } from './deps';
import { unseal } from './deps';
import { userHash } from './issue';
import { revokeGrant } from './token';

/** "Connected apps": the signed-in user's grants, each revocable. */
export function accountRoutes(deps: AuthorizationServerDeps, identity: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/account/apps', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginPath(c), 302);
    const grants = await deps.grants.listByUser(await userHash(deps, session.user.id), deps.now());
    const apps: ConnectedApp[] = [];
    for (const grant of grants) {
      const claims = await unseal<GrantClaims>(deps, grant.sealed, `grant:${grant.id}`);
      const client = await deps.registry.resolve(grant.clientId);
      apps.push({
        grantId: grant.id,
        clientName: client.ok ? client.client.metadata.client_name : grant.clientId,
        scopes: claims.scopes,
        resource: claims.resource,
        ...(claims.redirectTarget ? { redirectTarget: claims.redirectTarget } : {}),
        authorizedAt: utcMinute(grant.createdAt),
        lastUsedAt: utcMinute(grant.lastUsedAt),
      });
    }
    const csrf = await csrfToken(identity.hmacKey, session.id, 'apps');
    return c.html(
      <ConnectedAppsPage
        apps={apps}
        csrf={csrf}
        userEmail={session.user.email}
        viewer={await viewerOf(identity, session)}
      />,
    );
  });

  app.post('/account/apps/revoke', async (c) => {
    const session = await currentSession(identity, c);
    const form = await readHtmlForm(c);
    if (!session || !(await verifyCsrfToken(identity.hmacKey, session.id, 'apps', form.csrf))) {
      return c.html(<ErrorPage title="Request refused" message="Sign in again and retry." />, 403);
    }
    const grantId = typeof form.grant === 'string' ? form.grant : '';
    const grant = grantId ? await deps.grants.get(grantId, deps.now()) : undefined;
    // Only the owner can revoke; another user's grant id looks exactly like an unknown one.
    if (!grant || grant.userHash !== (await userHash(deps, session.user.id))) {
      return c.html(<ErrorPage title="Not found" message="There is no such connected app." />, 404);
    }
    await revokeGrant(deps, grant.id);
    await deps.audit.record({
      event: 'grant.revoked',
      userId: session.user.id,
      clientId: grant.clientId,
      ip: c.get('clientIp'),
      details: { by: 'user' },
    });
    return c.redirect('/account/apps', 303);
  });

  return app;
}
