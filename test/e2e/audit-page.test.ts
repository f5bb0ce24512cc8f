import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventId } from '../../src/telemetry';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { callToolRaw } from '../support/mcp-call';
import { accessTokenThroughPages, createBrowser, devLogin } from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1:9999/callback';

describe('admin audit page', () => {
  let gatehouse: TestGatehouse;
  beforeAll(async () => {
    gatehouse = await startTestGatehouse({
      access: { allowAnyone: true, admins: { emails: ['Root@Example.com'] } },
      clients: [{ clientId: 'cli', clientName: 'Test CLI', redirectUris: [REDIRECT] }],
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
    expect(first).toContain('<td>n: 119</td>');
    const older = /href="(\/admin\/audit\?[^"]+)">Older events/.exec(first)?.[1]?.replace(/&amp;/g, '&');
    expect(older).toBeDefined();
    const second = await (await admin.get(older ?? '')).text();
    expect(second.match(/data-event="token.issued"/g)).toHaveLength(20);
    expect(second).toContain('<td>n: 0</td>');
    expect(second).not.toContain('Older events');
  });

  it("shows tool calls with the client's name and readable details", async () => {
    const carol = createBrowser(gatehouse.url);
    await devLogin(carol, 'carol@example.com');
    const token = await accessTokenThroughPages(
      gatehouse.url,
      { clientId: 'cli', redirectUri: REDIRECT },
      { browser: carol },
    );
    expect(await (await callToolRaw(`${gatehouse.url}/mcp`, token, 'echo', { text: 'hi' })).text()).toContain(
      'hi',
    );
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'root@example.com');
    // Written without waiting for the answer: give it a moment.
    let html = '';
    for (let i = 0; i < 20 && !html.includes('data-event="tool.called"'); i++) {
      html = await (await admin.get('/admin/audit?event=tool-calls')).text();
      if (!html.includes('data-event="tool.called"')) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const row = /<tr data-event="tool.called">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect(row).toContain('carol@example.com');
    expect(row).toContain('Test CLI');
    expect(row).toContain('<div class="muted id">cli</div>');
    expect(row).toContain('/mcp');
    expect(row).toMatch(/tool: echo · outcome: ok · ms: \d+ · via: oauth/);
    expect(html).not.toContain('data-event="login.succeeded"');
  });

  it('exports the filtered events as JSON lines and CSV, cells safe from spreadsheet formulas', async () => {
    const at = Date.now() - 60_000;
    await gatehouse.database.db
      .insertInto('audit_events')
      .values({
        id: auditEventId(at),
        at,
        event: 'client.refused',
        user_id: null,
        client_id: 'https://evil.example/client.json',
        resource: null,
        ip: '127.0.0.1',
        reason: '=HYPERLINK("http://evil.example","click")',
        details: JSON.stringify({ note: 'a, "quoted" value' }),
      })
      .execute();
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'root@example.com');
    const jsonl = await admin.get('/admin/audit/export?format=jsonl&event=client.refused');
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
    expect(jsonl.headers.get('content-disposition')).toMatch(
      /attachment; filename="gatehouse-audit-.*\.jsonl"/,
    );
    const lines = (await jsonl.text()).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      event: 'client.refused',
      clientId: 'https://evil.example/client.json',
      clientName: 'evil.example',
      reason: '=HYPERLINK("http://evil.example","click")',
      details: { note: 'a, "quoted" value' },
    });
    const csv = await (await admin.get('/admin/audit/export?format=csv&event=client.refused')).text();
    const [header, record, rest] = csv.split('\r\n');
    expect(header).toBe('id,at,event,userId,userEmail,clientId,clientName,resource,ip,reason,details');
    expect(record).toContain(',client.refused,,,https://evil.example/client.json,evil.example,,127.0.0.1,');
    expect(record).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(record).toContain('"{""note"":""a, \\""quoted\\"" value""}"');
    expect(rest).toBe('');
    // Everything: every event so far, newest first, one line each.
    const all = (await (await admin.get('/admin/audit/export?format=jsonl')).text()).trim().split('\n');
    expect(all.length).toBeGreaterThan(120);
    const ats = all.map((line) => (JSON.parse(line) as { at: string }).at);
    expect([...ats].sort().reverse()).toEqual(ats);
  });

  it('refuses the export to non-admins and to a bad format or filter', async () => {
    expect((await createBrowser(gatehouse.url).get('/admin/audit/export?format=csv')).status).toBe(302);
    const user = createBrowser(gatehouse.url);
    await devLogin(user, 'someone@example.com');
    expect((await user.get('/admin/audit/export?format=csv')).status).toBe(403);
    const admin = createBrowser(gatehouse.url);
    await devLogin(admin, 'root@example.com');
    expect((await admin.get('/admin/audit/export?format=xlsx')).status).toBe(400);
    const bad = await admin.get('/admin/audit/export?format=csv&since=soon');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
  });
});
