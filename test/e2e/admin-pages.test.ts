import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeOutbound } from '../../src/lib/net/safe-fetch';
import { startCimdServer } from '../support/cimd-server';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { listTools } from '../support/mcp-call';
import {
  type Browser,
  createBrowser,
  csrfFrom,
  devLogin,
  tokenRequest,
  tokensThroughPages,
} from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';

const REDIRECT = 'http://127.0.0.1:9999/callback';
const CLIENT = { clientId: 'cli', redirectUri: REDIRECT };

let gatehouse: TestGatehouse;
let cimd: Awaited<ReturnType<typeof startCimdServer>>;
beforeAll(async () => {
  cimd = await startCimdServer();
  gatehouse = await startTestGatehouse(
    {
      access: { allowAnyone: true, admins: { emails: ['root@example.com'] } },
      clients: [{ clientId: 'cli', clientName: 'Test CLI', redirectUris: [REDIRECT] }],
    },
    { outbound: createNodeOutbound({ ca: cimd.ca }) },
  );
});
afterAll(async () => {
  await gatehouse?.close();
  await cimd?.close();
});

const signedIn = async (email: string) => {
  const browser = createBrowser(gatehouse.url);
  await devLogin(browser, email);
  return browser;
};
/** Submits one of a page's action forms (its CSRF token taken from the page, as a browser would). */
const act = async (browser: Browser, page: string, action: string, form: Record<string, string> = {}) => {
  const html = await (await browser.get(page)).text();
  return browser.post(action, { csrf: csrfFrom(html), ...form });
};
const auditEvents = (event: string) =>
  gatehouse.database.db.selectFrom('audit_events').selectAll().where('event', '=', event).execute();

describe('admin pages: who may open them', () => {
  it('sends a signed-out visitor to sign in and back, and refuses anyone not an admin', async () => {
    for (const page of ['/admin/users', '/admin/clients']) {
      const anonymous = await createBrowser(gatehouse.url).get(page);
      expect(anonymous.status).toBe(302);
      expect(anonymous.headers.get('location')).toBe(`/login?next=${encodeURIComponent(page)}`);
      const user = await signedIn('someone@example.com');
      const refused = await user.get(page);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('Admins only');
    }
    // Nor may a non-admin act, even with a CSRF token of their own page.
    const user = await signedIn('someone@example.com');
    const tokens = await (await user.get('/account/tokens')).text();
    const forged = await user.post('/admin/clients/block', { csrf: csrfFrom(tokens), client_id: 'cli' });
    expect(forged.status).toBe(403);
    expect(await gatehouse.database.db.selectFrom('blocked_clients').selectAll().execute()).toEqual([]);
  });
});

describe('users', () => {
  it('lists each user with what they hold; revoke everything ends it all, and they may sign in again', async () => {
    const bob = await signedIn('bob@example.com');
    const tokens = await tokensThroughPages(gatehouse.url, CLIENT, { browser: bob });
    const access = tokens.body.access_token ?? '';
    const { token: pat } = await createPatThroughPage(bob, {
      name: 'script',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '7',
    });
    expect((await listTools(gatehouse.url, access)).status).toBe(200);
    expect((await listTools(gatehouse.url, pat ?? '')).status).toBe(200);

    const admin = await signedIn('root@example.com');
    const page = await (await admin.get('/admin/users')).text();
    const bobRow = /<tr data-user="(u_[\w-]+)">((?:(?!<\/tr>)[\s\S])*bob@example\.com[\s\S]*?)<\/tr>/.exec(
      page,
    );
    const bobId = bobRow?.[1] ?? '';
    const cells = [...(bobRow?.[2] ?? '').matchAll(/<td[^>]*>([^<]*)/g)].map((m) => m[1]);
    expect(cells.slice(0, 5)).toEqual(['bob@example.com', 'dev', expect.stringMatching(/UTC$/), '1', '1']);
    expect(page).toContain('Users</a>');

    // Without the page's CSRF token nothing happens.
    expect((await admin.post(`/admin/users/${bobId}/revoke`, { csrf: 'forged' })).status).toBe(403);
    expect((await listTools(gatehouse.url, access)).status).toBe(200);

    const done = await act(admin, '/admin/users', `/admin/users/${bobId}/revoke`);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(
      'Revoked everything of bob@example.com (2 apps, tokens and connections)',
    );
    expect((await listTools(gatehouse.url, access)).status).toBe(401);
    expect((await listTools(gatehouse.url, pat ?? '')).status).toBe(401);
    const refreshed = await tokenRequest(gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      client_id: 'cli',
    });
    expect(refreshed.body.error).toBe('invalid_grant');
    // Their browser session ended too; signing in again works.
    expect((await bob.get('/account/apps')).status).toBe(302);
    await devLogin(bob, 'bob@example.com');
    expect((await bob.get('/account/apps')).status).toBe(200);
    expect(await auditEvents('admin.user.revoked')).toHaveLength(1);
  });

  it('blocks a user from signing in until unblocked; an admin cannot block themself', async () => {
    const carol = await signedIn('carol@example.com');
    const access =
      (await tokensThroughPages(gatehouse.url, CLIENT, { browser: carol })).body.access_token ?? '';
    const admin = await signedIn('root@example.com');
    const found = await (await admin.get('/admin/users?email=CAROL%40example.com')).text();
    const carolId = /<tr data-user="(u_[\w-]+)">/.exec(found)?.[1] ?? '';
    expect(found.match(/<tr data-user=/g)).toHaveLength(1);

    const blocked = await act(admin, '/admin/users', `/admin/users/${carolId}/block`);
    expect(await blocked.text()).toContain('carol@example.com is blocked');
    expect((await listTools(gatehouse.url, access)).status).toBe(401);
    expect((await carol.get('/account/apps')).status).toBe(302);
    const page = await carol.get('/login');
    const login = await carol.post('/login', {
      csrf: csrfFrom(await page.text()),
      email: 'carol@example.com',
    });
    expect(login.status).toBe(403);
    expect(await login.text()).toContain('Your access is blocked');
    const failures = await auditEvents('login.failed');
    expect(failures.some((row) => row.user_id === carolId && row.reason === 'blocked')).toBe(true);
    expect(await (await admin.get('/admin/users?email=carol%40example.com')).text()).toContain(
      '<strong>blocked</strong>',
    );

    const rootId = /<tr data-user="(u_[\w-]+)">/.exec(
      await (await admin.get('/admin/users?email=root%40example.com')).text(),
    )?.[1];
    const self = await act(admin, '/admin/users', `/admin/users/${rootId}/block`);
    expect(self.status).toBe(400);
    expect(await self.text()).toContain('You cannot block yourself.');

    await act(admin, '/admin/users', `/admin/users/${carolId}/unblock`);
    await devLogin(carol, 'carol@example.com');
    expect((await carol.get('/account/apps')).status).toBe(200);
    expect(await auditEvents('admin.user.blocked')).toHaveLength(1);
    expect(await auditEvents('admin.user.unblocked')).toHaveLength(1);
    expect((await act(admin, '/admin/users', '/admin/users/u_nobody/revoke')).status).toBe(404);
  });
});

describe('clients', () => {
  const register = async (name: string) => {
    const res = await fetch(new URL('/oauth/register', gatehouse.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
    });
    return ((await res.json()) as { client_id: string }).client_id;
  };

  it('lists clients by how they registered, with their users; deletes only unused DCR clients', async () => {
    const unused = await register('Unused DCR app');
    const used = await register('Used DCR app');
    await tokensThroughPages(
      gatehouse.url,
      { clientId: used, redirectUri: REDIRECT },
      { browser: await signedIn('dan@example.com') },
    );
    const admin = await signedIn('root@example.com');
    const html = await (await admin.get('/admin/clients')).text();
    const row = (id: string) => new RegExp(`<tr data-client="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
    expect(row('cli')).toContain('Test CLI');
    expect(row('cli')).toContain('<td>configuration</td>');
    expect(row(unused)).toContain('registered itself (DCR)');
    expect(row(unused)).toContain('<td>0</td>');
    expect(row(unused)).toContain('>Delete</button>');
    expect(row(used)).toContain('<td>1</td>');
    expect(row(used)).not.toContain('>Delete</button>');

    const refused = await act(admin, '/admin/clients', '/admin/clients/delete', { client_id: used });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Someone still uses this client');
    const deleted = await act(admin, '/admin/clients', '/admin/clients/delete', { client_id: unused });
    expect(await deleted.text()).toContain(`${unused} is deleted.`);
    const stored = gatehouse.database.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('client_id', '=', unused);
    expect(await stored.executeTakeFirst()).toBeUndefined();
    expect((await act(admin, '/admin/clients', '/admin/clients/delete', { client_id: 'cli' })).status).toBe(
      400,
    );
    expect(await auditEvents('admin.client.deleted')).toHaveLength(1);
  });

  it('blocks a client: its grants go, authorization and token requests are refused, until unblocked', async () => {
    const erin = await signedIn('erin@example.com');
    const tokens = await tokensThroughPages(gatehouse.url, CLIENT, { browser: erin });
    const admin = await signedIn('root@example.com');
    const blocked = await act(admin, '/admin/clients', '/admin/clients/block', { client_id: 'cli' });
    expect(await blocked.text()).toMatch(/cli is blocked \(\d+ grants revoked\)/);
    expect((await listTools(gatehouse.url, tokens.body.access_token ?? '')).status).toBe(401);
    const refresh = await tokenRequest(gatehouse.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token,
      client_id: 'cli',
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error).toBe('invalid_client');
    await expect(tokensThroughPages(gatehouse.url, CLIENT, { browser: erin })).rejects.toThrow(/blocked/);

    await act(admin, '/admin/clients', '/admin/clients/unblock', { client_id: 'cli' });
    const again = await tokensThroughPages(gatehouse.url, CLIENT, { browser: erin });
    expect(again.status).toBe(200);
    const events = await auditEvents('admin.client.blocked');
    expect(events.some((event) => event.client_id === 'cli')).toBe(true);
  });

  it('blocks every CIMD client of a host, whatever its port or a trailing dot', async () => {
    const documentUrl = cimd.serve('/app.json', {
      client_id: `${cimd.base}/app.json`,
      client_name: 'Hosted app',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    });
    const frank = await signedIn('frank@example.com');
    const tokens = await tokensThroughPages(
      gatehouse.url,
      { clientId: documentUrl, redirectUri: REDIRECT },
      { browser: frank },
    );
    expect(tokens.status).toBe(200);
    const admin = await signedIn('root@example.com');
    const listed = await (await admin.get('/admin/clients')).text();
    expect(listed).toContain('metadata document (CIMD)');
    expect(listed).toContain('>Block localhost</button>');

    const bad = await act(admin, '/admin/clients', '/admin/clients/block-host', { host: 'https://x/' });
    expect(bad.status).toBe(400);
    const done = await act(admin, '/admin/clients', '/admin/clients/block-host', { host: 'LOCALHOST.' });
    expect(await done.text()).toContain('Clients from localhost are blocked (1 grants revoked)');
    expect((await listTools(gatehouse.url, tokens.body.access_token ?? '')).status).toBe(401);
    // Another document on the same host, on another port spelling: refused too.
    const other = cimd.serve('/other.json', {
      client_id: `${cimd.base.replace('localhost', 'localhost.')}/other.json`,
      client_name: 'Other',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
    });
    await expect(
      tokensThroughPages(
        gatehouse.url,
        { clientId: other.replace('localhost', 'localhost.'), redirectUri: REDIRECT },
        { browser: frank },
      ),
    ).rejects.toThrow(/blocked/);

    const page = await (await admin.get('/admin/clients')).text();
    expect(page).toMatch(/<li class="row-actions">localhost/);
    await act(admin, '/admin/clients', '/admin/clients/unblock-host', { host: 'localhost' });
    const again = await tokensThroughPages(
      gatehouse.url,
      { clientId: documentUrl, redirectUri: REDIRECT },
      { browser: frank },
    );
    expect(again.status).toBe(200);
  });
});
