import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createDemoUpstream } from '../../src/demo/upstream';
import { listen } from '../../src/http';
import { createNodeOutbound, type OutboundDeps } from '../../src/lib/net/safe-fetch';
import { startCimdServer } from '../support/cimd-server';
import { demoResource, startTestGatehouse } from '../support/gatehouse';
import { callToolRaw } from '../support/mcp-call';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';
import type { ClientProfile } from './clients';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A real Gatehouse (one demo endpoint, dev login) and a loopback https server with a throwaway
 * certificate that serves the clients' metadata documents and key sets. `outbound` records every
 * connection Gatehouse makes, so SSRF tests can show none was made.
 */
export async function startCompatWorld(options: { hub?: boolean } = {}) {
  const documents = await startCimdServer();
  // For the hub: a demo MCP server of its own, the one entry of the catalog (no connection needed).
  const upstream = options.hub ? await startDemoServer() : undefined;
  const node = createNodeOutbound({ ca: documents.ca });
  const connections: string[] = [];
  const outbound: OutboundDeps = {
    resolve: node.resolve,
    get(url, address, signal) {
      connections.push(`${url.host} via ${address}`);
      return node.get(url, address, signal);
    },
  };
  const gatehouse = await startTestGatehouse(
    {
      resources: [demoResource()],
      ...(upstream
        ? {
            hub: {
              enabled: true,
              catalog: [{ slug: 'demo', name: 'Demo', url: upstream.url, auth: { type: 'none' as const } }],
            },
          }
        : {}),
    },
    { outbound },
  );
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'cimd-key-1', alg: 'RS256', use: 'sig' };
  const jwksUri = documents.serve('/oauth/jwks.json', { keys: [jwk] });
  return {
    gatehouse,
    documents,
    connections,
    jwksUri,
    privateKey,
    mcpUrl: `${gatehouse.url}${upstream ? '/hub/mcp' : '/mcp'}`,
    /** the echo tool as the endpoint names it */
    echoTool: upstream ? 'demo__echo' : 'echo',
    tokenEndpoint: `${gatehouse.url}/oauth/token`,
    async close() {
      await gatehouse.close();
      await documents.close();
      await upstream?.close();
    },
  };
}

export type CompatWorld = Awaited<ReturnType<typeof startCompatWorld>>;

/** The demo MCP server over Streamable HTTP on a loopback port. */
async function startDemoServer() {
  const demo = createDemoUpstream();
  const app = new Hono();
  app.all('/mcp', (c) => demo.fetch(c.req.raw));
  const server = await listen(app, '127.0.0.1', 0);
  return {
    url: `${server.url}/mcp`,
    async close() {
      await server.close();
      await demo.close();
    },
  };
}

/** A signed RFC 7523 client assertion, as ChatGPT sends one; the options make it wrong in one way. */
export async function clientAssertion(
  world: CompatWorld,
  clientId: string,
  options: {
    claims?: Record<string, unknown>;
    key?: CryptoKey;
    alg?: string;
    kid?: string;
    expiresIn?: string | number;
    audience?: string;
    issuer?: string;
  } = {},
): Promise<string> {
  return new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'cimd-key-1' })
    .setIssuer(options.issuer ?? clientId)
    .setSubject(clientId)
    .setAudience(options.audience ?? world.tokenEndpoint)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '60s')
    .setJti(randomUUID())
    .sign(options.key ?? world.privateKey);
}

/** Publishes a CIMD document or registers by DCR, as the client does; answers its client_id. */
export async function registerClient(world: CompatWorld, profile: ClientProfile): Promise<string> {
  const registration = profile.registration;
  if (registration.kind === 'cimd') {
    const url = `${world.documents.base}${registration.path}`;
    const document = JSON.parse(
      JSON.stringify(registration.document).replaceAll('{JWKS_URI}', world.jwksUri),
    );
    world.documents.serve(registration.path, { client_id: url, ...document });
    return url;
  }
  const response = await fetch(`${world.gatehouse.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(registration.body),
  });
  const body = (await response.json()) as Record<string, string>;
  if (response.status !== 201) throw new Error(`registration refused: ${JSON.stringify(body)}`);
  return body.client_id ?? '';
}

/** The client authentication the profile uses, as form fields of a token or revocation request. */
export async function clientAuthFields(
  world: CompatWorld,
  profile: ClientProfile,
  clientId: string,
): Promise<Record<string, string>> {
  if (profile.tokenAuth === 'private_key_jwt')
    return {
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await clientAssertion(world, clientId),
    };
  return { client_id: clientId };
}

/** Login, consent and the code exchange, with exactly the profile's parameters. */
export async function authorizeAndExchange(world: CompatWorld, profile: ClientProfile, clientId: string) {
  const pkce = await pkcePair();
  const browser = createBrowser(world.gatehouse.url);
  const landed = await authorizeThroughPages(
    browser,
    authorizeUrl(world.gatehouse.url, {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: profile.redirectUri,
      state: 'compat-state',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      scope: profile.authorize.scope,
      prompt: profile.authorize.prompt,
      resource: profile.authorize.sendResource ? world.mcpUrl : undefined,
    }),
    { email: `${profile.name.replace(/\W+/g, '-').toLowerCase()}@example.com` },
  );
  const tokens = await tokenRequest(world.gatehouse.url, {
    grant_type: 'authorization_code',
    code: landed.searchParams.get('code') ?? undefined,
    code_verifier: pkce.verifier,
    redirect_uri: profile.redirectUri,
    resource: profile.authorize.sendResource ? world.mcpUrl : undefined,
    ...(await clientAuthFields(world, profile, clientId)),
  });
  return { landed, tokens };
}

/** The echo tool through Gatehouse with a bearer: whether it echoed, or the HTTP status it got. */
export async function echo(world: CompatWorld, accessToken: string): Promise<'echoed' | number> {
  const response = await callToolRaw(world.mcpUrl, accessToken, world.echoTool, { text: 'compat-echo' });
  const text = await response.text();
  if (response.status !== 200) return response.status;
  if (!text.includes('"text":"compat-echo"')) throw new Error(`unexpected answer: ${text}`);
  return 'echoed';
}
