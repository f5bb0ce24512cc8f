import { type Context, Hono } from 'hono';
import { type AppEnv, formValue, formValues, readHtmlForm } from '../../http';
import { csrfToken, verifyCsrfToken } from '../../identity/csrf';
import type { Session } from '../../identity/session';
import { currentSession, type IdentityDeps, loginPath, viewerOf } from '../../identity/web-session';
import { type ConnectionRow, ConnectionsPage } from '../../pages/connections-page';
import { ErrorPage } from '../../pages/error-page';
import { StepUpDonePage } from '../../pages/stepup-page';
import { CatalogError } from './catalog';
import { HUB_CALLBACK_PATH, HUB_DOCUMENT_PATH } from './client-document';
import { FlowError, offeredScopes } from './connect';
import type { Hub } from './index';

const sameScopes = (a: readonly string[], b: readonly string[]) =>
  new Set(a).size === new Set(b.filter(Boolean)).size && a.every((scope) => b.includes(scope));

/** The user's side of the hub: the Connections page, connect and disconnect, the callback, Gatehouse's CIMD. */
export function hubRoutes(hub: Hub, identity: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const hubUrl = `${new URL(identity.issuer).origin}${hub.config.path}`;

  app.get(HUB_DOCUMENT_PATH, (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(hub.client.document);
  });

  const problem = (c: Context<AppEnv>, title: string, message: string, status: 400 | 403 | 404 | 502) =>
    c.html(
      <ErrorPage
        title={title}
        message={message}
        requestId={c.get('requestId')}
        retryHref="/hub/connections"
      />,
      status,
    );

  const render = async (
    c: Context<AppEnv>,
    session: Session,
    extra: { message?: string; error?: string } = {},
    status: 200 | 400 | 502 = 200,
  ) => {
    const connections = new Map(
      (await hub.vault.list(session.user.id)).map((record) => [record.slug, record]),
    );
    const rows = (await hub.catalog.entries()).map((entry): ConnectionRow => {
      const record = connections.get(entry.slug);
      const oauth = entry.auth.type === 'oauth';
      return {
        slug: entry.slug,
        name: entry.name,
        description: entry.description,
        url: entry.stdio ? 'a local server run by this Gatehouse' : entry.url,
        needsConnection: oauth,
        status: !oauth
          ? 'ready'
          : !record
            ? 'not-connected'
            : record.status === 'active'
              ? 'connected'
              : 'broken',
        scopes: record?.scopes ?? '',
        lastError: record?.status === 'broken' ? record.lastError : null,
        templates: entry.auth.type === 'oauth' ? entry.auth.templates : [],
        currentTemplate:
          entry.auth.type === 'oauth' && record
            ? entry.auth.templates.find((t) => sameScopes(t.scopes, record.scopes.split(' ')))?.name
            : undefined,
        scopeChoices: offeredScopes(entry),
      };
    });
    c.header('Cache-Control', 'no-store');
    return c.html(
      <ConnectionsPage
        userEmail={session.user.email}
        viewer={await viewerOf(identity, session)}
        csrf={await csrfToken(identity.hmacKey, session.id, 'hub-connections')}
        hubUrl={hubUrl}
        rows={rows}
        {...extra}
      />,
      status,
    );
  };

  app.get('/hub/connections', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginPath(c), 302);
    const done = c.req.query('connected');
    const entry = done ? await hub.catalog.entry(done) : undefined;
    return render(
      c,
      session,
      entry ? { message: `${entry.name} is connected. Its tools are now served at ${hubUrl}.` } : {},
    );
  });

  app.post('/hub/connections/:slug/connect', async (c) => {
    const session = await currentSession(identity, c);
    const form = await readHtmlForm(c, { all: true });
    if (
      !session ||
      !(await verifyCsrfToken(identity.hmacKey, session.id, 'hub-connections', formValue(form.csrf)))
    )
      return problem(c, 'Request refused', 'Sign in again and retry.', 403);
    const template = formValue(form.template);
    const scopes = formValues(form.scope);
    try {
      const { url } = await hub.flows.begin(session.user.id, session.id, c.req.param('slug'), {
        ...(template ? { template } : {}),
        ...(template === undefined && scopes.length > 0 ? { scopes } : {}),
      });
      return c.redirect(url, 302);
    } catch (error) {
      if (error instanceof CatalogError)
        return problem(c, 'Cannot connect', error.message, error.status === 409 ? 400 : error.status);
      if (error instanceof FlowError) return problem(c, 'Cannot connect', error.message, error.status);
      throw error;
    }
  });

  app.get(HUB_CALLBACK_PATH, async (c) => {
    const session = await currentSession(identity, c);
    const query = c.req.query();
    try {
      const { entry, scopes, stepUp } = await hub.flows.finish(session?.user.id, session?.id, query);
      const asked = stepUp ? await hub.stepUps.get(stepUp) : undefined;
      if (stepUp && asked && session) {
        // The answer to a step-up link: the call that asked can now be made again.
        await hub.completeStepUp(stepUp, asked);
        await identity.audit.record({
          event: 'stepup.completed',
          userId: session.user.id,
          clientId: asked.clientId,
          resource: entry.slug,
          details: { tool: asked.tool, scopes },
        });
        return c.html(
          <StepUpDonePage
            title="Done"
            message={`${entry.name} is connected with ${scopes || 'its default access'}. Return to your client: a client waiting on this continues by itself; otherwise ${asked.kind === 'connect' ? `its tools are listed now${entry.prefix ? ` (${entry.prefix}__…)` : ''}` : `call ${asked.tool} again`}.`}
          />,
        );
      }
      return c.redirect(`/hub/connections?connected=${encodeURIComponent(entry.slug)}`, 303);
    } catch (error) {
      if (error instanceof FlowError) return problem(c, 'Not connected', error.message, error.status);
      throw error;
    }
  });

  /**
   * A link to connect a server by its MCP URL (what a user pastes): a URL outside the catalog is refused
   * with a page that says so (400 malformed or not https, 403 not approved); an approved one shows its card.
   */
  app.get('/hub/connect', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginPath(c), 302);
    try {
      const entry = await hub.catalog.entryForUrl(c.req.query('url') ?? '');
      return c.redirect(`/hub/connections#${entry.slug}`, 302);
    } catch (error) {
      if (error instanceof CatalogError)
        return problem(c, 'Cannot connect', error.message, error.status === 409 ? 400 : error.status);
      throw error;
    }
  });

  // The same for scripts in the user's browser: JSON, the session cookie, and X-CSRF-Token on changes.
  const apiError = (
    c: Context<AppEnv>,
    status: 400 | 401 | 403 | 404 | 502,
    code: string,
    description: string,
  ) => c.json({ error: code, error_description: description }, status);

  app.get('/api/hub/connections', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return apiError(c, 401, 'unauthorized', 'sign in first');
    const records = new Map((await hub.vault.list(session.user.id)).map((record) => [record.slug, record]));
    const entries = (await hub.catalog.entries()).map((entry) => {
      const record = records.get(entry.slug);
      return {
        slug: entry.slug,
        name: entry.name,
        url: entry.url,
        auth: entry.auth.type,
        status: entry.auth.type !== 'oauth' ? 'ready' : (record?.status ?? 'not-connected'),
        scopes: record?.scopes ?? '',
      };
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ entries, csrf: await csrfToken(identity.hmacKey, session.id, 'hub-api') });
  });

  app.post('/api/hub/connections', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return apiError(c, 401, 'unauthorized', 'sign in first');
    if (!(await verifyCsrfToken(identity.hmacKey, session.id, 'hub-api', c.req.header('x-csrf-token'))))
      return apiError(c, 403, 'csrf', 'send the csrf value of GET /api/hub/connections as X-CSRF-Token');
    let input: { url?: unknown; slug?: unknown; template?: unknown; scopes?: unknown };
    try {
      input = (await c.req.json()) ?? {};
    } catch {
      return apiError(c, 400, 'invalid_json', 'send a JSON object with url or slug');
    }
    try {
      const slug =
        typeof input.slug === 'string'
          ? input.slug
          : (await hub.catalog.entryForUrl(typeof input.url === 'string' ? input.url : '')).slug;
      const { url } = await hub.flows.begin(session.user.id, session.id, slug, {
        ...(typeof input.template === 'string' ? { template: input.template } : {}),
        ...(Array.isArray(input.scopes)
          ? { scopes: input.scopes.filter((s): s is string => typeof s === 'string') }
          : {}),
      });
      return c.json({ authorization_url: url }, 201);
    } catch (error) {
      if (error instanceof CatalogError)
        return apiError(
          c,
          error.status === 409 ? 400 : error.status,
          error.status === 403 ? 'not_in_catalog' : error.status === 404 ? 'not_found' : 'invalid_request',
          error.message,
        );
      if (error instanceof FlowError)
        return apiError(
          c,
          error.status,
          error.status === 502 ? 'upstream_discovery_failed' : 'invalid_request',
          error.message,
        );
      throw error;
    }
  });

  app.post('/hub/connections/:slug/disconnect', async (c) => {
    const session = await currentSession(identity, c);
    const form = await readHtmlForm(c);
    if (
      !session ||
      !(await verifyCsrfToken(identity.hmacKey, session.id, 'hub-connections', formValue(form.csrf)))
    )
      return problem(c, 'Request refused', 'Sign in again and retry.', 403);
    const slug = c.req.param('slug');
    const result = await hub.vault.disconnect(session.user.id, slug, 'user');
    if (!result.found)
      return render(c, session, { error: 'That connection does not exist (already disconnected?).' }, 400);
    return render(c, session, {
      message: result.revokedUpstream
        ? 'Disconnected; the upstream revoked the token.'
        : 'Disconnected. The upstream offers no revocation: its token will lapse when it expires.',
    });
  });

  return app;
}
