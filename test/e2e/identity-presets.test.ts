import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow } from '../support/federated-login';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createBrowser } from '../support/oauth-driver';
import { startTestIdp, type TestIdp } from '../support/oidc-idp';
import { createRewritingFetch } from '../support/rewrite-fetch';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/**
 * The Google, Entra and Cloudflare Access presets end to end: a real OpenID Connect provider plays each
 * public issuer (https://accounts.google.com, …) on loopback, reached through an injected fetch that maps
 * those origins to it and refuses every other non-loopback URL.
 */
describe('identity provider presets against a real OIDC provider playing each issuer', () => {
  let google: TestIdp;
  let entra: TestIdp;
  let cloudflare: TestIdp;
  let gatehouse: TestGatehouse;
  let fetcher: typeof fetch;

  beforeAll(async () => {
    const port = await freePort();
    const callback = (id: string) => [`http://127.0.0.1:${port}/login/${id}/callback`];
    google = await startTestIdp({
      issuer: 'https://accounts.google.com',
      claimsInIdToken: true,
      users: {
        worker: { email: 'Worker@Example.com', hostedDomain: 'example.com' },
        consumer: { email: 'worker.home@gmail.com' },
        outsider: { email: 'listed@other.com', hostedDomain: 'other.com' },
        unverified: { email: 'new@example.com', hostedDomain: 'example.com', emailVerified: false },
      },
      clients: [
        { clientId: 'g-client', clientSecret: 'g-secret-0123456789', redirectUris: callback('google') },
      ],
    });
    entra = await startTestIdp({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      claimsInIdToken: true,
      users: { staff: { email: 'staff@example.com', omitEmailVerified: true, groups: ['0b5c-group-id'] } },
      clients: [
        { clientId: 'e-client', clientSecret: 'e-secret-0123456789', redirectUris: callback('entra') },
      ],
    });
    cloudflare = await startTestIdp({
      issuer: 'https://acme.cloudflareaccess.com/cdn-cgi/access/sso/oidc/cf-client',
      claimsInIdToken: true,
      users: { member: { email: 'member@contractor.io', groups: ['mcp-users'] } },
      clients: [
        { clientId: 'cf-client', clientSecret: 'cf-secret-0123456789', redirectUris: callback('cloudflare') },
      ],
    });
    fetcher = createRewritingFetch({
      'https://accounts.google.com': google.loopback,
      'https://login.microsoftonline.com': entra.loopback,
      'https://acme.cloudflareaccess.com': cloudflare.loopback,
    });
    gatehouse = await startTestGatehouse(
      {
        devLogin: { enabled: false },
        access: { domains: ['example.com'], emails: ['listed@other.com'], groups: ['mcp-users'] },
        identityProviders: [
          {
            id: 'google',
            type: 'google',
            clientId: 'g-client',
            clientSecret: 'g-secret-0123456789',
            hostedDomain: 'example.com',
          },
          {
            id: 'entra',
            type: 'entra',
            tenant: TENANT,
            clientId: 'e-client',
            clientSecret: 'e-secret-0123456789',
          },
          {
            id: 'cloudflare',
            type: 'cloudflare-access',
            teamDomain: 'acme.cloudflareaccess.com',
            clientId: 'cf-client',
            clientSecret: 'cf-secret-0123456789',
          },
        ],
      },
      { port, identityFetch: fetcher },
    );
  });
  afterAll(async () => {
    await gatehouse?.close();
    for (const idp of [google, entra, cloudflare]) await idp?.close();
  });

  const signIn = async (idp: TestIdp, id: string, who: string) => {
    idp.state.nextLogin = who;
    const browser = createBrowser(gatehouse.url, fetcher);
    return follow(browser, `/login/${id}`);
  };
  const lastFailure = () =>
    gatehouse.logs.lines
      .filter((line) => line.includes('"audit login.failed"'))
      .map((line) => JSON.parse(line).audit)
      .at(-1);

  it('Google: a Workspace user of the hosted domain is admitted, and hd is sent as a hint', async () => {
    const { url } = await signIn(google, 'google', 'worker');
    expect(url.pathname).toBe('/');
    const authorize = google.state.urls.find((u) => u.startsWith('/auth?'));
    expect(new URLSearchParams(authorize?.split('?')[1]).get('hd')).toBe('example.com');
  });

  it('Google: a consumer account (no hd) is refused even when the policy would admit it', async () => {
    const { response } = await signIn(google, 'google', 'consumer');
    expect(response.status).toBe(403);
    expect(lastFailure()).toMatchObject({ reason: 'hosted_domain', idp: 'google' });
  });

  it('Google: another Workspace (wrong hd) is refused although its address is listed', async () => {
    const { response } = await signIn(google, 'google', 'outsider');
    expect(response.status).toBe(403);
    expect(lastFailure()).toMatchObject({ reason: 'hosted_domain' });
  });

  it('Google: an unverified email is refused', async () => {
    const { response } = await signIn(google, 'google', 'unverified');
    expect(response.status).toBe(403);
    expect(lastFailure()).toMatchObject({ reason: 'email_unverified' });
  });

  it('Entra: the tenant issuer is verified; no email_verified claim is needed (waived for a single tenant)', async () => {
    const { url } = await signIn(entra, 'entra', 'staff');
    expect(url.pathname).toBe('/');
    expect(
      entra.state.urls.some((u) => u.startsWith(`/${TENANT}/v2.0/.well-known/openid-configuration`)),
    ).toBe(true);
  });

  it('Cloudflare Access: the SaaS-app issuer is verified and groups admit', async () => {
    const { url } = await signIn(cloudflare, 'cloudflare', 'member');
    expect(url.pathname).toBe('/');
    const authorize = cloudflare.state.urls.find((u) => u.includes('/auth?'));
    expect(new URLSearchParams(authorize?.split('?')[1]).get('scope')?.split(' ')).toContain('groups');
  });
});
