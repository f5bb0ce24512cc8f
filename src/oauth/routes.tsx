import { type Context, Hono } from 'hono';
import { constantTimeEqual, randomId, sha256 } from '../crypto';
import type { AppEnv } from '../http';
import { isMediaType, publicCors, readHtmlForm, readJsonObject } from '../http';
import { plainFromRequest, responseFrom } from '../http/plain';
import { verifyCsrfToken } from '../identity/csrf';
import { currentSession, type IdentityDeps, loginUrl } from '../identity/web-session';
import { ErrorPage } from '../pages/error-page';
import type { EphemeralStore } from '../store';
import { authorizationResponseUrl, type PendingAuthorization, validateAuthorizeRequest } from './authorize';
import { authenticateClient } from './client-auth';
import { createAuthorizationCode } from './code';
import { type PendingClient, renderConsent } from './consent-view';
import type { AuthorizationServerDeps } from './deps';
import { OAuthError } from './errors';
import { authorizationServerMetadata } from './metadata';
import { isNativeRedirect } from './redirect-uri';
import { registerClient } from './register';
import { revokeToken } from './revoke';
import { createTokenEndpoint, NO_STORE, oauthErrorAnswer, readForm } from './token-endpoint';

const PENDING_TTL_MS = 10 * 60_000;
/** A random value in a cookie of the browser that started an authorization; its hash is kept with it. */
const AUTHZ_COOKIE = 'gh_authz';

interface StoredPending {
  request: PendingAuthorization;
  /** SHA-256 of the AUTHZ_COOKIE of the browser that started it: only that browser may approve it */
  browser: string;
  client: PendingClient;
}

/** CORS of the public endpoints (the Node front serves the token endpoint with the same). */
export const PUBLIC_CORS_METHODS = ['GET', 'POST', 'OPTIONS'];
export const PUBLIC_CORS_MAX_AGE = 600;

/** The authorization server's HTTP surface. Routes parse and render; the orchestrators decide. */
export function oauthRoutes(
  deps: AuthorizationServerDeps,
  identity: IdentityDeps,
  pending: EphemeralStore,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const noStore = (c: Context) => {
    for (const [name, value] of Object.entries(NO_STORE)) c.header(name, value);
  };
  const oauthError = (c: Context<AppEnv>, error: OAuthError) =>
    responseFrom(oauthErrorAnswer(error, plainFromRequest(c.req.raw), c.get('log')));
  const tokenEndpoint = createTokenEndpoint(deps);
  /** A client Gatehouse could not use: why goes to the log and the audit log (DESIGN: debuggable). */
  const clientRefused = async (c: Context<AppEnv>, refused: { clientId: string | null; detail: string }) => {
    const clientId = refused.clientId?.slice(0, 300) ?? null;
    c.get('log').warn({ client: clientId, reason: refused.detail }, 'client refused');
    await deps.audit.record({
      event: 'client.refused',
      clientId,
      ip: c.get('clientIp'),
      reason: refused.detail.slice(0, 300),
    });
  };
  const startedHere = async (c: Context, browser: string) => {
    const binding = identity.cookies.get(c, AUTHZ_COOKIE);
    return binding !== undefined && constantTimeEqual(await sha256(binding), browser);
  };
  const otherBrowser = (c: Context) =>
    errorPage(
      c,
      'Request refused',
      'This authorization was started in another browser. Start again from the application.',
      403,
    );
  const errorPage = (c: Context, title: string, message: string, status: 400 | 403 = 400) =>
    c.html(<ErrorPage title={title} message={message} requestId={c.get('requestId')} />, status);

  // Public, credential-free endpoints that browser-based clients call cross-origin.
  const cors = publicCors(PUBLIC_CORS_METHODS, PUBLIC_CORS_MAX_AGE);
  for (const path of [
    '/.well-known/oauth-authorization-server*',
    '/oauth/token',
    '/oauth/revoke',
    '/oauth/register',
  ]) {
    app.use(path, cors);
  }

  const metadata = () =>
    authorizationServerMetadata({
      issuer: deps.issuer,
      registrationEnabled: deps.registration.enabled,
      cimdEnabled: deps.cimdEnabled,
      scopes: deps.resources.flatMap((r) => r.scopes.map((s) => s.name)),
    });
  app.get('/.well-known/oauth-authorization-server', (c) => c.json(metadata()));
  // RFC 8414 §3.1: with a path in the issuer, the well-known segment is inserted before the path.
  const issuerPath = new URL(deps.issuer).pathname.replace(/\/$/, '');
  if (issuerPath) app.get(`/.well-known/oauth-authorization-server${issuerPath}`, (c) => c.json(metadata()));

  app.get('/oauth/authorize', async (c) => {
    const outcome = await validateAuthorizeRequest(
      new URL(c.req.url).searchParams,
      deps.registry,
      deps.resources,
    );
    if (outcome.kind === 'local-error') {
      if (outcome.refusedClient) await clientRefused(c, outcome.refusedClient);
      return errorPage(c, outcome.title, outcome.message);
    }
    if (outcome.kind === 'redirect-error') {
      const target = authorizationResponseUrl(outcome.redirectUri, deps.issuer, {
        error: outcome.error,
        error_description: outcome.description,
        state: outcome.state,
      });
      return c.redirect(target, 302);
    }
    const session = await currentSession(identity, c);
    if (outcome.prompt === 'none') {
      // OIDC Core §3.1.2.6: no page may be shown. Gatehouse always asks for consent, so a signed-in
      // user still answers consent_required.
      return c.redirect(
        authorizationResponseUrl(outcome.request.redirectUri, deps.issuer, {
          error: session ? 'consent_required' : 'login_required',
          error_description: session ? 'the user must approve this application' : 'the user must sign in',
          state: outcome.request.state,
        }),
        302,
      );
    }
    const id = randomId(24);
    const binding = identity.cookies.get(c, AUTHZ_COOKIE) ?? randomId();
    identity.cookies.set(c, AUTHZ_COOKIE, binding, PENDING_TTL_MS / 1000);
    const stored: StoredPending = {
      browser: await sha256(binding),
      request: outcome.request,
      client: {
        name: outcome.client.metadata.client_name,
        kind: outcome.client.kind,
        ...(outcome.client.host ? { host: outcome.client.host } : {}),
        // Gatehouse's own playground on a loopback dev issuer is not "a program on this computer"
        nativeRedirect: !outcome.client.firstParty && isNativeRedirect(outcome.request.redirectUri),
        offline: outcome.client.metadata.grant_types.includes('refresh_token'),
        ...(outcome.client.firstParty ? { firstParty: true as const } : {}),
      },
    };
    await pending.set(`authz:${id}`, JSON.stringify(stored), PENDING_TTL_MS);
    return c.redirect(session ? `/oauth/consent?authz=${id}` : loginUrl(id), 302);
  });

  app.get('/oauth/consent', async (c) => {
    const authz = c.req.query('authz') ?? '';
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginUrl(authz), 302);
    const raw = /^[\w-]{16,64}$/.test(authz) ? await pending.get(`authz:${authz}`) : undefined;
    if (!raw)
      return errorPage(
        c,
        'Request expired',
        'This authorization request has expired or was already answered. Start again from the application.',
      );
    const { request, client, browser } = JSON.parse(raw) as StoredPending;
    if (!(await startedHere(c, browser))) return otherBrowser(c);
    return renderConsent(c, deps, identity, { authz, session, request, client });
  });

  app.post('/oauth/consent', async (c) => {
    const form = await readHtmlForm(c, { all: true });
    const authz = typeof form.authz === 'string' ? form.authz : '';
    const session = await currentSession(identity, c);
    if (!session)
      return errorPage(c, 'Not signed in', 'Your session ended. Start again from the application.', 403);
    if (!(await verifyCsrfToken(identity.hmacKey, session.id, `consent:${authz}`, form.csrf))) {
      return errorPage(
        c,
        'Request refused',
        'The form was not sent by this site or has expired. Start again from the application.',
        403,
      );
    }
    // Only the browser that started the request may answer it (checked before it is taken, so a
    // foreign attempt does not consume it).
    const peek = /^[\w-]{16,64}$/.test(authz) ? await pending.get(`authz:${authz}`) : undefined;
    if (peek && !(await startedHere(c, (JSON.parse(peek) as StoredPending).browser))) return otherBrowser(c);
    const ticked = ([] as unknown[])
      .concat(form.scope ?? [])
      .filter((s): s is string => typeof s === 'string');
    // Approve with nothing ticked is a question, not a denial: the page again (the request not used up).
    if (peek && form.decision === 'approve' && ticked.length === 0) {
      const { request, client } = JSON.parse(peek) as StoredPending;
      return renderConsent(
        c,
        deps,
        identity,
        { authz, session, request, client },
        'Nothing was ticked: tick what the client may do and Approve, or Deny to refuse it.',
      );
    }
    // Single use: the stored request is taken atomically; form fields never override it.
    const raw = /^[\w-]{16,64}$/.test(authz) ? await pending.take(`authz:${authz}`) : undefined;
    if (!raw)
      return errorPage(
        c,
        'Request expired',
        'This authorization request has expired or was already answered.',
      );
    const { request } = JSON.parse(raw) as StoredPending;
    const wanted = request.scopes.filter((scope) => ticked.includes(scope)); // the user may only narrow
    // Never granted, whatever the form says: a scope the policy keeps from this user.
    const scopes = deps.scopePolicy
      ? await deps.scopePolicy.allowed(session.user.id, request.resource, wanted)
      : wanted;
    if (form.decision !== 'approve' || scopes.length === 0) {
      await deps.audit.record({
        event: 'consent.denied',
        userId: session.user.id,
        clientId: request.clientId,
        resource: request.resource,
        ip: c.get('clientIp'),
      });
      return c.redirect(
        authorizationResponseUrl(request.redirectUri, deps.issuer, {
          error: 'access_denied',
          error_description: 'the user denied the request',
          state: request.state,
        }),
        303,
      );
    }
    const code = await createAuthorizationCode(deps, request, session.user.id, scopes, {
      email: session.user.email,
    });
    await deps.audit.record({
      event: 'consent.granted',
      userId: session.user.id,
      clientId: request.clientId,
      resource: request.resource,
      ip: c.get('clientIp'),
      details: { scopes },
    });
    return c.redirect(
      authorizationResponseUrl(request.redirectUri, deps.issuer, { code, state: request.state }),
      303,
    );
  });

  app.post('/oauth/token', async (c) =>
    responseFrom(
      await tokenEndpoint(plainFromRequest(c.req.raw, await c.req.text()), {
        ip: c.get('clientIp'),
        log: c.get('log'),
      }),
    ),
  );

  app.post('/oauth/revoke', async (c) => {
    try {
      const form = readForm(plainFromRequest(c.req.raw, await c.req.text()));
      const client = await authenticateClient(
        deps.registry,
        form,
        c.req.header('authorization'),
        deps.clientAssertions,
      );
      const token = form.get('token');
      if (!token) throw new OAuthError('invalid_request', 'token is required');
      const revoked = await revokeToken(deps, client, token);
      if (revoked)
        await deps.audit.record({
          event: 'token.revoked',
          userId: revoked.userId,
          clientId: client.clientId,
          ip: c.get('clientIp'),
          details: { kind: revoked.kind },
        });
      noStore(c);
      return c.body(null, 200);
    } catch (error) {
      if (error instanceof OAuthError) return oauthError(c, error);
      throw error;
    }
  });

  app.post('/oauth/register', async (c) => {
    noStore(c);
    // RFC 7591 §3: a JSON body. Anonymous, so each address gets a small hourly budget of its own.
    if (!isMediaType(c, 'application/json'))
      return c.json(
        { error: 'invalid_request', error_description: 'the registration must be sent as application/json' },
        415,
      );
    const budget = await pending.increment(`rl:register:${c.get('clientIp')}`, 3_600_000);
    if (budget.count > deps.registration.maxPerIpPerHour) {
      const retry = Math.max(1, Math.ceil((budget.expiresAt - deps.now()) / 1000));
      c.header('Retry-After', String(retry));
      return c.json(
        {
          error: 'rate_limited',
          error_description: `too many registrations from this address; retry in ${retry} s`,
        },
        429,
      );
    }
    try {
      const body = await readJsonObject(c).catch(() => {
        throw new OAuthError('invalid_client_metadata', 'the body must be a JSON object');
      });
      const registered = await registerClient(deps, body);
      noStore(c);
      c.get('log').info({ event: 'client.registered', client: registered.client_id }, 'client registered');
      return c.json(registered, 201);
    } catch (error) {
      if (error instanceof OAuthError) {
        await clientRefused(c, { clientId: null, detail: `registration: ${error.description}` });
        return oauthError(c, error);
      }
      throw error;
    }
  });

  return app;
}
