import { Hono } from 'hono';
import type { AppEnv } from '../http';
import { publicCors } from '../http';
import { plainFromRequest, responseFrom } from '../http/plain';
import { protectedResourceMetadata } from '../oauth/metadata';
import type { ProtectedResource } from '../oauth/resource';
import type { EndpointGate } from './gate';

/**
 * RFC 9728 metadata (root and path-scoped), and each protected endpoint's gate for requests Hono serves:
 * in process (the playground) — off the wire, the Node front serves the same gates (src/http/node-front.ts).
 */
export function resourceRoutes(
  issuer: string,
  resources: readonly ProtectedResource[],
  gates: readonly EndpointGate[],
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/.well-known/oauth-protected-resource*', publicCors(['GET', 'OPTIONS']));
  const first = resources[0];
  if (first)
    app.get('/.well-known/oauth-protected-resource', (c) => c.json(protectedResourceMetadata(first, issuer)));
  for (const resource of resources)
    app.get(`/.well-known/oauth-protected-resource${resource.path}`, (c) =>
      c.json(protectedResourceMetadata(resource, issuer)),
    );
  // The MCP endpoint is one URL (MCP Streamable HTTP); paths below it are not forwarded.
  for (const gate of gates)
    app.all(gate.path, async (c) => {
      const body = c.req.method === 'POST' ? await c.req.text() : undefined;
      return responseFrom(await gate.serve(plainFromRequest(c.req.raw, body), c.get('clientIp')));
    });
  return app;
}
