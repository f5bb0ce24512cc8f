import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { listTools } from '../support/mcp-call';
import { createBrowser, csrfFrom, devLogin } from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';

const SERVICE_TOKEN = 'svc-0123456789abcdef0123456789abcdef';

describe('personal access tokens and the service token on protected endpoints', () => {
  let gh: TestGatehouse;
  beforeAll(async () => {
    gh = await startTestGatehouse({
      resources: [
        {
          path: '/mcp',
          name: 'Team tools',
          scopes: [
            { name: 'mcp:tools', description: 'Use the tools' },
            { name: 'mcp:write', description: 'Change data', default: false },
          ],
        },
        {
          path: '/internal',
          name: 'Internal',
          scopes: [{ name: 'internal:read', description: 'Read internal data' }],
          auth: ['oauth', 'pat', 'service'],
        },
        { path: '/oauth-only', scopes: [{ name: 'o', description: 'o' }], auth: ['oauth'] },
      ],
      serviceToken: { token: SERVICE_TOKEN, name: 'ci-bot' },
      personalAccessTokens: { maxLifetimeDays: 60, defaultLifetimeDays: 30 },
    });
  });
  afterAll(async () => {
    await gh?.close();
  });

  const call = (token: string, path = '/mcp') => listTools(gh.url, token, path);
  const auditOf = (event: string) =>
    gh.database.db.selectFrom('audit_events').selectAll().where('event', '=', event).execute();

  async function signedIn(email: string) {
    const browser = createBrowser(gh.url);
    await devLogin(browser, email);
    return browser;
  }
  const create = createPatThroughPage;

  it('creates a token shown once, stored as a hash, listed by prefix, usable at its endpoint only', async () => {
    const alice = await signedIn('alice@example.com');
    const page = await (await alice.get('/account/tokens')).text();
    expect(page).toContain('data-endpoint="/mcp"');
    expect(page).toContain('data-endpoint="/internal"');
    expect(page).not.toContain('data-endpoint="/oauth-only"');
    const { status, token, html } = await create(alice, {
      name: 'laptop CLI',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '30',
    });
    expect(status).toBe(201);
    expect(token).toMatch(/^gth_[\w-]{43}$/); // 256 random bits
    // Shown once with a copy button and ready-to-paste uses at this endpoint's URL.
    expect(html).toContain(`data-copy="${token}"`);
    expect(html).toContain(`claude mcp add --transport http gatehouse ${gh.config.issuer}/mcp --header`);
    expect(html).toContain(
      `GATEHOUSE_CLIENT_TOKEN=${token} npx gatehouse client ${gh.config.issuer}/mcp tools`,
    );
    expect(html).toMatch(/data-example="curl">[\s\S]*?Authorization: Bearer gth_/);
    const stored = JSON.stringify(
      await gh.database.db.selectFrom('personal_access_tokens').selectAll().execute(),
    );
    expect(stored).not.toContain(token);
    expect(stored).not.toContain('laptop CLI'); // the name is sealed too
    const listed = await (await alice.get('/account/tokens')).text();
    expect(listed).not.toContain(token);
    expect(listed).toContain(`${token?.slice(0, 12)}…`);
    expect(listed).toContain('laptop CLI');
    expect(listed).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/); // times carry their zone

    const ok = await call(token ?? '');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('"name":"echo"');
    const row = await gh.database.db
      .selectFrom('personal_access_tokens')
      .select(['last_used_at', 'prefix'])
      .executeTakeFirst();
    expect(row?.prefix).toBe(token?.slice(0, 12));
    expect(row?.last_used_at).toBeGreaterThan(0); // last use recorded
    const elsewhere = await call(token ?? '', '/internal');
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(elsewhere.headers.get('www-authenticate')).toContain(
      '/.well-known/oauth-protected-resource/internal',
    );
    const notAccepted = await call(token ?? '', '/oauth-only');
    expect(notAccepted.status).toBe(401);
    expect((await notAccepted.json()).error_description).toMatch(/not accepted/);
    expect(gh.logs.text()).not.toContain(token);
  });

  it('refuses bad requests with a clear message and a forged form with 403', async () => {
    const bob = await signedIn('bob@example.com');
    const cases: Array<[Record<string, string | string[]>, RegExp]> = [
      [{ name: 'x', resource: '/mcp', expires_days: '30' }, /at least one scope/],
      [{ name: 'x', resource: '/mcp', scope: 'admin', expires_days: '30' }, /admin is not a scope/],
      [{ name: 'x', resource: '/mcp', scope: 'mcp:tools', expires_days: '61' }, /1 to 60 days/],
      [{ name: 'x', resource: '/mcp', scope: 'mcp:tools', expires_days: 'never' }, /must expire/],
      [{ name: 'x', resource: '/oauth-only', scope: 'o', expires_days: '30' }, /does not accept/],
      [{ name: '', resource: '/mcp', scope: 'mcp:tools', expires_days: '30' }, /name/],
    ];
    for (const [form, message] of cases) {
      const { status, html, token } = await create(bob, form);
      expect(status, JSON.stringify(form)).toBe(400);
      expect(html).toMatch(message);
      expect(token).toBeUndefined();
    }
    // The form keeps what was sent: only the scope needs fixing.
    const kept = await create(bob, { name: 'my agent', resource: '/mcp', scope: 'admin', expires_days: '7' });
    const form = /<form[^>]*data-endpoint="\/mcp"[\s\S]*?<\/form>/.exec(kept.html)?.[0] ?? '';
    expect(form).toContain('value="my agent"');
    expect(form).toMatch(/<option value="7" selected/);
    expect(/<form[^>]*data-endpoint="\/internal"[\s\S]*?<\/form>/.exec(kept.html)?.[0]).not.toContain(
      'my agent',
    );
    const forged = await bob.post('/account/tokens', {
      name: 'x',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '7',
    });
    expect(forged.status).toBe(403);
    expect(await gh.database.db.selectFrom('personal_access_tokens').select('id').execute()).toHaveLength(1);
  });

  it('only the owner can revoke (another user’s id answers 404 and is audited); revocation is immediate', async () => {
    const carol = await signedIn('carol@example.com');
    const { token } = await create(carol, {
      name: 'ci',
      resource: '/internal',
      scope: 'internal:read',
      expires_days: '7',
    });
    expect((await call(token ?? '', '/internal')).status).toBe(200);
    const page = await (await carol.get('/account/tokens')).text();
    const id = /data-token="(pat_[\w-]+)"/.exec(page)?.[1] ?? '';

    const mallory = await signedIn('mallory@example.com');
    const malloryPage = await (await mallory.get('/account/tokens')).text();
    const refused = await mallory.post('/account/tokens/revoke', { csrf: csrfFrom(malloryPage), token: id });
    expect(refused.status).toBe(404);
    expect((await call(token ?? '', '/internal')).status).toBe(200);
    expect((await auditOf('pat.revoke_refused')).at(-1)).toMatchObject({ client_id: `pat:${id}` });

    const revoked = await carol.post('/account/tokens/revoke', { csrf: csrfFrom(page), token: id });
    expect(revoked.status).toBe(303);
    expect((await call(token ?? '', '/internal')).status).toBe(401);
    expect((await auditOf('pat.revoked')).length).toBe(1);
    expect((await auditOf('pat.created')).length).toBeGreaterThanOrEqual(2);
  });

  it('accepts the service token where configured, audits every use and logs a warning', async () => {
    const before = (await auditOf('service.used')).length;
    expect((await call(SERVICE_TOKEN, '/internal')).status).toBe(200);
    expect((await call(SERVICE_TOKEN, '/internal')).status).toBe(200);
    const used = await auditOf('service.used');
    expect(used.length).toBe(before + 2);
    expect(used.at(-1)).toMatchObject({
      user_id: 'service:ci-bot',
      ip: '127.0.0.1',
      resource: `${gh.url}/internal`,
    });
    expect(
      gh.logs.lines.some((line) => line.includes('"level":40') && line.includes('service token used')),
    ).toBe(true);
    expect(gh.logs.text()).not.toContain(SERVICE_TOKEN);
    // not accepted where auth does not list it, and a near miss is just an invalid token
    expect((await call(SERVICE_TOKEN, '/mcp')).status).toBe(401);
    expect((await call(`${SERVICE_TOKEN.slice(0, -1)}x`, '/internal')).status).toBe(401);
  });
});

describe('per-identity rate limit on protected endpoints', () => {
  it('answers 429 with Retry-After once an identity exceeds its limit, without affecting others', async () => {
    const gh = await startTestGatehouse({
      http: { rateLimit: { maxRequestsPerIp: 100_000, maxRequestsPerUser: 3, windowSeconds: 60 } },
    });
    try {
      const tokenFor = async (email: string) => {
        const browser = createBrowser(gh.url);
        await devLogin(browser, email);
        const created = await createPatThroughPage(browser, {
          name: 'n',
          resource: '/mcp',
          scope: 'mcp:tools',
          expires_days: '7',
        });
        return created.token ?? '';
      };
      const busy = await tokenFor('busy@example.com');
      const calm = await tokenFor('calm@example.com');
      const call = (token: string) => listTools(gh.url, token);
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await call(busy)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const limited = await call(busy);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited.json()).error).toBe('rate_limited');
      expect((await call(calm)).status).toBe(200);
    } finally {
      await gh.close();
    }
  });
});

describe('an endpoint that accepts no OAuth tokens', () => {
  it('answers a request without credentials with the plain challenge, and refuses OAuth-looking tokens', async () => {
    const gh = await startTestGatehouse({
      resources: [{ path: '/scripts', scopes: [{ name: 's', description: 's' }], auth: ['pat'] }],
    });
    try {
      const bare = await fetch(new URL('/scripts', gh.url), { method: 'POST' });
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).not.toContain('error=');
      const oauthLike = await fetch(new URL('/scripts', gh.url), {
        method: 'POST',
        headers: { authorization: 'Bearer gat_not-accepted-here' },
      });
      expect(oauthLike.status).toBe(401);
      expect((await oauthLike.json()).error_description).toMatch(/accepts only personal access tokens/);
    } finally {
      await gh.close();
    }
  });
});

describe('a personal access token after the server moved', () => {
  it('still opens its endpoint when the development server restarts on another port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pat-'));
    const database = { url: `sqlite:${join(dir, 'gatehouse.db')}` };
    // With the hub on: a second endpoint the token must not open.
    const resources = [demoResource()];
    const hub = { enabled: true };
    const before = await startTestGatehouse({ database, resources, hub });
    let token = '';
    try {
      const browser = createBrowser(before.url);
      await devLogin(browser, 'mover@example.com');
      const created = await createPatThroughPage(browser, {
        name: 'cli',
        resource: '/mcp',
        scope: 'mcp:tools',
        expires_days: '7',
      });
      token = created.token ?? '';
      expect((await listTools(before.url, token)).status).toBe(200);
    } finally {
      await before.close();
    }
    const after = await startTestGatehouse({ database, resources, hub });
    try {
      expect(new URL(after.url).port).not.toBe(new URL(before.url).port);
      expect((await listTools(after.url, token)).status).toBe(200);
      // Still bound to its endpoint: not a key to another one.
      expect((await listTools(after.url, token, '/hub/mcp')).status).toBe(401);
    } finally {
      await after.close();
    }
  });
});
