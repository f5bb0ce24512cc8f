import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createBrowser, devLogin } from '../support/oauth-driver';

describe('admin audit page', () => {
  let gatehouse: TestGatehouse;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse({
      access: { allowAnyone: true, admins: { emails: ['Root@Example.com'] } },
    });
  });
  afterAll(async () => {
    await gatehouse?.close();
  });

  it('is for admins only', async () => {
    expect((await createBrowser(gatehouse.url).get('/admin/audit')).status).toBe(302);
    const user = createBrowser(gatehouse.url);
    await devLogin(user, 'someone@example.com');
    const refused = await user.get('/admin/audit');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Admins only');
  });

  it('lists events newest first with the email behind each user id, and filters them', async () => {
    await devLogin(createBrowser(gatehouse.url), 'bob@example.com');
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'root@example.com');
    const page = await admin.get('/admin/audit');
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('bob@example.com');
    expect(html.indexOf('root@example.com</td>')).toBeLessThan(html.indexOf('bob@example.com</td>'));
    const bobOnly = await (await admin.get('/admin/audit?user=BOB%40example.com')).text();
    expect(bobOnly).toContain('bob@example.com</td>');
    expect(bobOnly).not.toContain('root@example.com</td>');
    expect(bobOnly).not.toContain('someone@example.com</td>');
    const failures = await (await admin.get('/admin/audit?event=login.failed')).text();
    expect(failures).toContain('No events match.');
    const future = await (await admin.get('/admin/audit?since=2999-01-01T00:00')).text();
    expect(future).toContain('No events match.');
    const bad = await admin.get('/admin/audit?since=tomorrow');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Times must look like');
  });

  it('follows the configuration: an admin removed from it loses the page at once', async () => {
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'root@example.com');
    expect((await admin.get('/admin/audit')).status).toBe(200);
    const admins = gatehouse.config.access.admins.emails;
    const saved = [...admins];
    admins.splice(0);
    try {
      expect((await admin.get('/admin/audit')).status).toBe(403);
    } finally {
      admins.push(...saved);
    }
  });

  it('pages through older events', async () => {
    const { auditEventId } = await import('../../src/telemetry');
    const at = Date.now() - 3600_000;
    for (let i = 0; i < 120; i++) {
      await gatehouse.database.db
        .insertInto('audit_events')
        .values({
          id: auditEventId(at + i),
          at: at + i,
          event: 'token.issued',
          user_id: null,
          client_id: 'paging-client',
          resource: null,
          ip: '127.0.0.1',
          reason: null,
          details: JSON.stringify({ n: i }),
        })
        .execute();
    }
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'root@example.com');
    const first = await (await admin.get('/admin/audit?client=paging-client')).text();
    expect(first.match(/data-event="token.issued"/g)).toHaveLength(100);
    expect(first).toContain('{&quot;n&quot;:119}');
    const older = /href="(\/admin\/audit\?[^"]+)">Older events/.exec(first)?.[1]?.replace(/&amp;/g, '&');
    expect(older).toBeDefined();
    const second = await (await admin.get(older ?? '')).text();
    expect(second.match(/data-event="token.issued"/g)).toHaveLength(20);
    expect(second).toContain('{&quot;n&quot;:0}');
    expect(second).not.toContain('Older events');
  });
});
