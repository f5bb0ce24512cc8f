import { type Context, Hono } from 'hono';
import type { Hub } from '../gateway/hub';
import { CatalogError } from '../gateway/hub/catalog';
import { FlowError, offeredScopes } from '../gateway/hub/connect';
import { type AppEnv, formValue, formValues, readHtmlForm } from '../http';
import { csrfToken, verifyCsrfToken } from '../identity/csrf';
import type { Session } from '../identity/session';
import { currentSession, type IdentityDeps, loginPath, viewerOf } from '../identity/web-session';
import { ErrorPage } from '../pages/error-page';
import { StepUpDonePage, StepUpPage } from '../pages/stepup-page';
import type { AuditLog } from '../telemetry';
import type { StepUpSession } from './sessions';

/**
 * `/hub/stepup/:id`: the page a step-up link opens. Only the user whose call asked for it may use it (anyone
 * else is refused and audited); an unknown or tampered id is a 404, an expired one says so. Submitting runs
 * the upstream's authorization for the scopes chosen; the callback (hub routes) completes the session.
 */
export function stepUpRoutes(hub: Hub, identity: IdentityDeps, audit: AuditLog): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const page = (c: Context<AppEnv>, title: string, message: string, status: 200 | 403 | 404 | 410) =>
    c.html(<StepUpDonePage title={title} message={message} />, status);

  /** The session behind the link, for this signed-in user, or the page that says why not. */
  const usable = async (c: Context<AppEnv>) => {
    const id = c.req.param('id') ?? '';
    const session = await hub.stepUps.get(id);
    if (!session)
      return { refusal: page(c, 'Unknown link', 'This link is not one this Gatehouse gave out.', 404) };
    const signedIn = await currentSession(identity, c);
    if (!signedIn) return { refusal: c.redirect(loginPath(c), 302) };
    if (signedIn.user.id !== session.userId) {
      await audit.record({
        event: 'stepup.refused',
        userId: signedIn.user.id,
        clientId: session.clientId,
        resource: session.slug,
        ip: c.get('clientIp'),
        reason: 'another user',
      });
      return {
        refusal: page(
          c,
          'Not your request',
          'This link was made for another user: it only works for them.',
          403,
        ),
      };
    }
    if (session.completedAt !== null)
      return {
        refusal: page(
          c,
          'Already done',
          'This request was completed: call the tool again in your client.',
          410,
        ),
      };
    if (hub.stepUps.expired(session))
      return {
        refusal: page(
          c,
          'Link expired',
          'This link has expired: call the tool again in your client for a new one.',
          410,
        ),
      };
    return { id, session, signedIn };
  };

  const render = async (c: Context<AppEnv>, id: string, session: StepUpSession, signedIn: Session) => {
    const entry = await hub.catalog.entry(session.slug);
    if (entry?.auth.type !== 'oauth')
      return page(c, 'Unknown server', 'That server is no longer in the catalog.', 404);
    const connection = (await hub.vault.list(session.userId)).find((record) => record.slug === session.slug);
    const held = new Set(connection?.status === 'active' ? connection.scopes.split(' ').filter(Boolean) : []);
    const names = [...new Set([...held, ...session.wanted, ...offeredScopes(entry)])].filter(
      (s) => s !== 'offline_access',
    );
    c.header('Cache-Control', 'no-store');
    return c.html(
      <StepUpPage
        id={id}
        csrf={await csrfToken(identity.hmacKey, signedIn.id, `stepup|${id}`)}
        userEmail={signedIn.user.email}
        viewer={await viewerOf(identity, signedIn)}
        upstream={entry.name}
        tool={session.tool}
        reason={session.reason}
        reconnect={connection?.status !== 'active'}
        templates={entry.auth.templates}
        scopes={names.map((name) => ({
          name,
          held: held.has(name),
          asked: session.wanted.includes(name),
          description: entry.auth.type === 'oauth' ? entry.auth.scopeDescriptions?.[name] : undefined,
        }))}
      />,
    );
  };

  app.get('/hub/stepup/:id', async (c) => {
    const found = await usable(c);
    if ('refusal' in found) return found.refusal;
    return render(c, found.id, found.session, found.signedIn);
  });

  app.post('/hub/stepup/:id', async (c) => {
    const found = await usable(c);
    if ('refusal' in found) return found.refusal;
    const form = await readHtmlForm(c, { all: true });
    if (
      !(await verifyCsrfToken(
        identity.hmacKey,
        found.signedIn.id,
        `stepup|${found.id}`,
        formValue(form.csrf),
      ))
    )
      return c.html(
        <ErrorPage
          title="Request refused"
          message="Reload the page and try again."
          requestId={c.get('requestId')}
        />,
        403,
      );
    const template = formValue(form.template);
    const scopes = formValues(form.scope);
    try {
      const { url } = await hub.flows.begin(found.session.userId, found.signedIn.id, found.session.slug, {
        ...(template ? { template } : { scopes }),
        stepUp: found.id,
      });
      return c.redirect(url, 302);
    } catch (error) {
      if (error instanceof CatalogError || error instanceof FlowError)
        return c.html(
          <ErrorPage title="Cannot continue" message={error.message} requestId={c.get('requestId')} />,
          400,
        );
      throw error;
    }
  });

  return app;
}
