import { join } from 'node:path';
import type { Browser as Chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium, submitDevLogin } from '../support/chromium';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { createBrowser, csrfFrom, devLogin } from '../support/oauth-driver';

const ADMIN = 'catalog-admin@example.com';

describe.skipIf(!chromiumAvailable)('the catalog page in Chromium', () => {
  let hub: TestGatehouse;
  let chromium: Chromium;
  beforeAll(async () => {
    hub = await startTestGatehouse({
      access: { allowAnyone: true, admins: { emails: [ADMIN] } },
      hub: {
        enabled: true,
        catalog: [
          { slug: 'docs', name: 'Docs', url: 'https://docs.example.com/mcp', auth: { type: 'none' } },
        ],
      },
    });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await hub?.close();
  });

  const signedIn = async (email: string, width = 1280): Promise<Page> => {
    const page = await (await chromium.newContext({ viewport: { width, height: 900 } })).newPage();
    await page.goto(`${hub.url}/admin/catalog`);
    await submitDevLogin(page, email);
    await page.goto(`${hub.url}/admin/catalog`);
    return page;
  };

  it('is refused to a user who is not an admin', async () => {
    const page = await signedIn('someone@example.com');
    expect(await page.textContent('h1')).toBe('Admins only');
    const answer = await page.request.get(`${hub.url}/admin/catalog`);
    expect(answer.status()).toBe(403);
  });

  it('lets an admin add, edit and delete an entry, each change audited; a form without its CSRF token is refused', async () => {
    const page = await signedIn(ADMIN);
    expect(await page.locator('tr[data-entry="docs"]').textContent()).toContain('from config');
    const form = page.locator('form[action="/admin/catalog"]');
    await form.locator('input[name=slug]').fill('tickets');
    await form.locator('input[name=name]').fill('Tickets');
    await form.locator('input[name=url]').fill('https://tickets.example.com/mcp');
    await form.locator('textarea[name=auth]').fill('{"type":"oauth","scopes":["read"]}');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    expect(await page.textContent('[role=status]')).toContain('Tickets is in the catalog');
    expect(await page.locator('tr[data-entry="tickets"]').textContent()).toContain('made here');

    // A bad URL keeps what was typed and says why.
    await form.locator('input[name=slug]').fill('bad');
    await form.locator('input[name=name]').fill('Bad');
    await form.locator('input[name=url]').fill('http://bad.example.com/mcp');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    expect(await page.textContent('[role=alert]')).toContain('https');
    expect(await page.inputValue('form[action="/admin/catalog"] input[name=slug]')).toBe('bad');

    const edit = page.locator('details[data-edit="docs"]');
    await edit.locator('summary').click();
    await edit.locator('input[name=name]').fill('Documentation');
    await Promise.all([
      page.waitForLoadState('load'),
      edit.locator('form[action="/admin/catalog/docs"] button').click(),
    ]);
    expect(await page.locator('tr[data-entry="docs"]').textContent()).toContain('from config, edited here');
    await page.screenshot({ path: join(ARTIFACTS, 'hub-catalog.png'), fullPage: true });

    await page.locator('details[data-edit="tickets"] summary').click();
    await Promise.all([
      page.waitForLoadState('load'),
      page.click('details[data-edit="tickets"] form[action$="/delete"] button'),
    ]);
    expect(await page.locator('tr[data-entry="tickets"] [data-state]').getAttribute('data-state')).toBe(
      'deleted',
    );
    const narrow = await signedIn(ADMIN, 390);
    await narrow.screenshot({ path: join(ARTIFACTS, 'hub-catalog-390.png'), fullPage: true });

    const forged = createBrowser(hub.url);
    await devLogin(forged, ADMIN);
    const withoutToken = await forged.post('/admin/catalog', {
      slug: 'forged',
      name: 'F',
      url: 'https://f.example.com/mcp',
      auth: '{"type":"none"}',
    });
    expect(withoutToken.status).toBe(403);
    const wrongToken = await forged.post('/admin/catalog/docs/delete', {
      csrf: csrfFrom(await (await forged.get('/account/tokens')).text()),
    });
    expect(wrongToken.status).toBe(403);
    const logs = hub.logs.text();
    for (const event of ['hub.catalog.created', 'hub.catalog.updated', 'hub.catalog.deleted'])
      expect(logs).toContain(`audit ${event}`);
    expect(logs).not.toContain('"slug":"forged"');
  });
});
