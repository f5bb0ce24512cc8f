import { Hono } from 'hono';
import { userIsAdmin } from '../admin/admin-guard';
import type { AppEnv } from '../http';
import { currentSession, type IdentityDeps } from '../identity/web-session';
import { HomePage } from '../pages/home-page';
import { COPY_SCRIPT, clientSnippets, serverKey } from './snippets';

export interface ConsoleDeps {
  issuer: string;
  /** the MCP endpoints users add to their clients (OAuth ones: a client can sign in by itself) */
  endpoints: Array<{ name: string; path: string; uri: string }>;
  hub: boolean;
  playground: boolean;
}

/** The home page: for anyone, what to add to a client; for a signed-in user, their pages. */
export function consoleRoutes(deps: ConsoleDeps, identity: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const endpoints = deps.endpoints.map((endpoint) => ({
    name: endpoint.name,
    url: endpoint.uri,
    snippets: clientSnippets(endpoint.uri, serverKey(endpoint.path)),
  }));

  app.get('/', async (c) => {
    const session = await currentSession(identity, c);
    const links = [
      { href: '/account/apps', label: 'Connected apps', about: 'the clients you allowed, and revoking them' },
      {
        href: '/account/tokens',
        label: 'Access tokens',
        about: 'personal access tokens for scripts and agents',
      },
      ...(deps.hub
        ? [{ href: '/hub/connections', label: 'Connections', about: 'your accounts at the hub’s servers' }]
        : []),
      ...(deps.playground
        ? [{ href: '/playground', label: 'Playground', about: 'call tools from the browser' }]
        : []),
    ];
    if (session && (await userIsAdmin(identity, session.user.id))) {
      links.push({ href: '/admin/audit', label: 'Audit log', about: 'who did what (admins)' });
      if (deps.hub)
        links.push({
          href: '/admin/catalog',
          label: 'Catalog',
          about: 'the servers the hub offers (admins)',
        });
    }
    c.header('Cache-Control', 'no-store');
    return c.html(
      <HomePage
        host={new URL(deps.issuer).host}
        endpoints={endpoints}
        viewer={session ? { email: session.user.email, links } : undefined}
      />,
    );
  });

  app.get('/assets/copy.js', (c) =>
    c.body(COPY_SCRIPT, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );

  return app;
}
