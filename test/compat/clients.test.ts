import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenRequest } from '../support/oauth-driver';
import { CLIENTS } from './clients';
import {
  authorizeAndExchange,
  type CompatWorld,
  clientAuthFields,
  echo,
  registerClient,
  startCompatWorld,
} from './harness';

let world: CompatWorld;
beforeAll(async () => {
  world = await startCompatWorld();
});
afterAll(async () => {
  await world?.close();
});

// Each popular client's own requests, end to end: registration (its document or its DCR body), login and
// consent, the code exchange (with its own client authentication), an MCP call, a refresh as it sends
// it, and a revocation after which the tokens stop working.
describe.each(CLIENTS)('$name connects', (profile) => {
  it('registers, authorizes, calls a tool, refreshes and is revoked', async () => {
    const clientId = await registerClient(world, profile);
    const { landed, tokens } = await authorizeAndExchange(world, profile, clientId);
    // RFC 9207: the response names the issuer; the code goes to the client's own redirect URI.
    const target = (url: URL) => `${url.protocol}//${url.host}${url.pathname}`;
    expect(target(landed)).toBe(target(new URL(profile.redirectUri)));
    expect(landed.searchParams.get('iss')).toBe(world.gatehouse.url);
    expect(landed.searchParams.get('state')).toBe('compat-state');
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe(profile.expectedScope);
    expect(tokens.body.refresh_token).toBeTruthy();
    expect(await echo(world, tokens.body.access_token ?? '')).toBe('echoed');

    const refreshed = await tokenRequest(world.gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      scope: profile.refreshScope,
      ...(await clientAuthFields(world, profile, clientId)),
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.scope).toBe(profile.expectedScope);
    expect(await echo(world, refreshed.body.access_token ?? '')).toBe('echoed');

    // Revoking the refresh token ends the grant: its access tokens stop working too.
    const revoked = await fetch(`${world.gatehouse.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: refreshed.body.refresh_token ?? '',
        ...(await clientAuthFields(world, profile, clientId)),
      }),
    });
    expect(revoked.status).toBe(200);
    expect(await echo(world, refreshed.body.access_token ?? '')).toBe(401);
  });
});

// The same clients reach the hub's endpoint: its resource and scope (hub:tools) take the place of /mcp's.
// A client that sends no resource gets the default endpoint's token, which the hub does not take.
describe('through the hub (/hub/mcp)', () => {
  let hub: CompatWorld;
  beforeAll(async () => {
    hub = await startCompatWorld({ hub: true });
  });
  afterAll(async () => {
    await hub?.close();
  });
  const forHub = (scope: string | undefined) => scope?.replace('mcp:tools', 'hub:tools');
  describe.each(CLIENTS.filter((profile) => profile.authorize.sendResource))('$name', (profile) => {
    it('authorizes for the hub and calls an upstream tool through it', async () => {
      const asHub: typeof profile = {
        ...profile,
        authorize: { ...profile.authorize, scope: forHub(profile.authorize.scope) },
        expectedScope: 'hub:tools',
      };
      const clientId = await registerClient(hub, asHub);
      const { tokens } = await authorizeAndExchange(hub, asHub, clientId);
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      expect(tokens.body.scope).toBe('hub:tools');
      expect(await echo(hub, tokens.body.access_token ?? '')).toBe('echoed');
    });
  });
});
