import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeThroughIdp } from '../support/federated-login';
import { freePort, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createBrowser } from '../support/oauth-driver';
import { startTestIdp, type TestIdp } from '../support/oidc-idp';
import { connectWithBearer, startRecordingUpstream } from '../support/upstream';

const REDIRECT = 'http://127.0.0.1/callback';

/** The `user-upstream-token` credential: the upstream gets the user's own token from the real IdP. */
describe('user-upstream-token endpoints', () => {
  let idp: TestIdp;
  let gatehouse: TestGatehouse;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startTestIdp({
      claimsInIdToken: true,
      users: { olivia: { email: 'olivia@example.com' } },
      clients: [
        {
          clientId: 'gatehouse',
          clientSecret: 'idp-secret-0123456789',
          redirectUris: [`http://127.0.0.1:${port}/login/corp/callback`],
        },
      ],
    });
    upstream = await startRecordingUpstream();
    gatehouse = await startTestGatehouse(
      {
        devLogin: { enabled: false },
        access: { domains: ['example.com'] },
        clients: [{ clientId: 'cli', clientName: 'CLI', redirectUris: [REDIRECT] }],
        identityProviders: [
          {
            id: 'corp',
            type: 'oidc',
            issuer: idp.issuer,
            clientId: 'gatehouse',
            clientSecret: 'idp-secret-0123456789',
            keepTokens: true,
          },
        ],
        resources: [
          {
            path: '/mcp',
            scopes: [{ name: 'mcp:tools', description: 'Use the tools' }],
            upstream: { url: upstream.url },
            credential: { mode: 'user-upstream-token' },
          },
        ],
      },
      { port },
    );
  });
  afterAll(async () => {
    await gatehouse?.close();
    await upstream?.close();
    await idp?.close();
  });

  it("sends the user's IdP access token upstream (the IdP accepts it for that user), never Gatehouse's", async () => {
    idp.state.nextLogin = 'olivia';
    const { access } = await authorizeThroughIdp(
      gatehouse.url,
      createBrowser(gatehouse.url),
      'cli',
      REDIRECT,
    );
    const client = await connectWithBearer(`${gatehouse.url}/mcp`, access);
    const result = (await client.callTool({ name: 'echo', arguments: { text: 'mine' } })) as {
      content: Array<{ text: string }>;
    };
    expect(result.content[0]?.text).toBe('mine');
    await client.close();

    const presented = new Set(upstream.seen.map((headers) => headers.authorization));
    expect(presented.size).toBe(1);
    const [authorization = ''] = presented;
    expect(authorization).toMatch(/^Bearer /);
    expect(authorization).not.toContain(access);
    // The upstream could use it at the IdP: userinfo answers for Olivia.
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      userinfo_endpoint: string;
    };
    const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { authorization } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ sub: 'olivia', email: 'olivia@example.com' });
  });
});
