import { Hono } from 'hono';
import type { AppEnv } from '../http';
import { currentSession, type IdentityDeps, viewerOf } from '../identity/web-session';
import { HomePage } from '../pages/home-page';
import { COPY_SCRIPT, clientSnippets, serverKey } from './snippets';

export interface ConsoleDeps {
  issuer: string;
  /** the MCP endpoints users add to their clients (OAuth ones: a client can sign in by itself) */
  endpoints: Array<{ name: string; path: string; uri: string }>;
}

/** A gate in a circle: the favicon (SVG, so one small file serves every size). */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#2f5bd3"/><path d="M9 24V13a7 7 0 0 1 14 0v11h-4V13a3 3 0 0 0-6 0v11z" fill="#fff"/></svg>`;

/** The home page (for anyone, what to add to a client; signed in, their pages) and its assets. */
export function consoleRoutes(deps: ConsoleDeps, identity: IdentityDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const endpoints = deps.endpoints.map((endpoint) => ({
    name: endpoint.name,
    url: endpoint.uri,
    snippets: clientSnippets(endpoint.uri, serverKey(endpoint.path)),
  }));

  app.get('/', async (c) => {
    const viewer = await viewerOf(identity, await currentSession(identity, c));
    c.header('Cache-Control', 'no-store');
    return c.html(<HomePage host={new URL(deps.issuer).host} endpoints={endpoints} viewer={viewer} />);
  });

  app.get('/favicon.svg', (c) =>
    c.body(FAVICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }),
  );
  // Browsers ask for /favicon.ico whatever the page says.
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));

  app.get('/assets/copy.js', (c) =>
    c.body(COPY_SCRIPT, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  );

  return app;
}
