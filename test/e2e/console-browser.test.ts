import { join } from 'node:path';
import type { BrowserContext, Browser as Chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe';
import { ARTIFACTS, chromiumAvailable, launchChromium, submitDevLogin } from '../support/chromium';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

const ADMIN = 'admin@example.com';

/** The home page and the way around it (issue 17, part 1): in Chromium, at desktop width and at 390 px. */
describe.skipIf(!chromiumAvailable)('the home page, return-to after login, and sign-out', () => {
  let gatehouse: TestGatehouse;
  let chromium: Chromium;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    gatehouse = await startTestGatehouse({
      resources: [demoResource()],
      access: { allowAnyone: true, admins: { emails: [ADMIN] } },
      hub: { enabled: true },
      clients: [
        { clientId: 'cli', clientName: 'Test CLI', redirectUris: ['http://127.0.0.1:9999/callback'] },
      ],
    });
    chromium = await launchChromium();
    context = await chromium.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gatehouse.url });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await gatehouse?.close();
  });

  it('has an accessibility check that finds what it looks for (an unlabelled field, text without contrast)', async () => {
    const probe = await context.newPage();
    await probe.setContent(
      '<html lang="en"><title>t</title><main><input type="text"><p style="color:#eee;background:#fff">faint</p></main></html>',
    );
    expect((await seriousViolations(probe)).map((violation) => violation.id).sort()).toEqual([
      'color-contrast',
      'label',
    ]);
    await probe.close();
  });

  it('shows a signed-out visitor the endpoints with a snippet per client and a working copy button', async () => {
    const answer = await page.goto(`${gatehouse.url}/`);
    expect(answer?.status()).toBe(200);
    expect(await page.textContent('h1')).toContain(new URL(gatehouse.url).host);
    expect(await page.isVisible('a.button[href="/login"]')).toBe(true);
    const mcp = `${gatehouse.config.issuer}/mcp`;
    const endpoint = page.locator(`section[data-endpoint="${mcp}"]`);
    await expect.poll(() => endpoint.count()).toBe(1);
    expect(await page.locator(`section[data-endpoint="${gatehouse.config.issuer}/hub/mcp"]`).count()).toBe(1);
    const clients = await endpoint.locator('details summary').allTextContents();
    expect(clients).toEqual([
      'Claude (claude.ai, Desktop)',
      'ChatGPT',
      'Cursor',
      'VS Code',
      'Claude Code',
      'gatehouse client',
    ]);
    const cursor = endpoint.locator('details[data-client="Cursor"]');
    await cursor.locator('summary').click();
    expect(JSON.parse((await cursor.locator('pre').textContent()) ?? '')).toEqual({
      mcpServers: { gatehouse: { url: mcp } },
    });
    expect(await endpoint.locator('details[data-client="Claude Code"] pre').textContent()).toBe(
      `claude mcp add --transport http gatehouse ${mcp}`,
    );
    await endpoint.locator('p.endpoint button.copy').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(mcp);
    await page.screenshot({ path: join(ARTIFACTS, 'home-signed-out.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'home-signed-out-390.png'), fullPage: true });
    // Nothing is wider than the phone's screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('after signing in, returns to the page that was asked for; an outside target is ignored', async () => {
    const widths: Array<[string, number]> = [];
    const violations: Array<[string, unknown]> = [];
    await page.goto(`${gatehouse.url}/account/tokens`);
    expect(new URL(page.url()).pathname).toBe('/login');
    violations.push(['/login', await seriousViolations(page)]);
    expect(new URL(page.url()).searchParams.get('next')).toBe('/account/tokens');
    await submitDevLogin(page, ADMIN);
    expect(new URL(page.url()).pathname).toBe('/account/tokens');

    await page.goto(`${gatehouse.url}/`);
    expect(await page.textContent('[data-viewer]')).toContain(`Signed in as ${ADMIN}`);
    const links = await page
      .locator('[data-viewer] a')
      .evaluateAll((anchors) => anchors.map((a) => a.getAttribute('href')));
    expect(links).toEqual([
      '/account/apps',
      '/account/tokens',
      '/hub/connections',
      '/playground',
      '/admin/users',
      '/admin/clients',
      '/admin/audit',
      '/admin/catalog',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'home-signed-in.png'), fullPage: true });

    // Every page has the same header: walk them all through it, at desktop width and at 390 px.
    for (const href of links) {
      await Promise.all([
        page.waitForURL(`${gatehouse.url}${href}`),
        page.click(`header.site nav a[href="${href}"]`),
      ]);
      expect(await page.textContent('header.site')).toContain(ADMIN);
      const name = `page${href?.replaceAll('/', '-')}`;
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      violations.push([href ?? '', await seriousViolations(page)]);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(ARTIFACTS, `${name}-390.png`), fullPage: true });
      widths.push([href ?? '', await page.evaluate(() => document.documentElement.scrollWidth)]);
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    expect(widths.filter(([, width]) => width > 390)).toEqual([]);
    await page.click('header.site a.home');
    violations.push(['/ (signed in)', await seriousViolations(page)]);
    // axe-core finds no serious or critical WCAG 2.1 A/AA violation on any page.
    expect(violations.filter(([, found]) => (found as unknown[]).length > 0)).toEqual([]);

    // Sign out: back home, signed out; a page that needs a session sends to the login again.
    await Promise.all([
      page.waitForURL(`${gatehouse.url}/`),
      page.click('[data-viewer] button[type=submit]'),
    ]);
    expect(await page.isVisible('a.button[href="/login"]')).toBe(true);
    await page.goto(`${gatehouse.url}/account/apps`);
    expect(new URL(page.url()).pathname).toBe('/login');

    // A crafted `next` leading elsewhere lands on the home page.
    await page.goto(`${gatehouse.url}/login?next=${encodeURIComponent('//evil.example/steal')}`);
    await submitDevLogin(page, 'someone@example.com');
    expect(page.url()).toBe(`${gatehouse.url}/`);
    // Not an admin: no admin links.
    const visible = await page.locator('[data-viewer] a').allTextContents();
    expect(visible).not.toContain('Audit log');
  });

  it('passes the accessibility check on the consent page and on an error page too', async () => {
    await page.goto(`${gatehouse.url}/login`);
    await submitDevLogin(page, 'reader@example.com');
    const authorize = new URL('/oauth/authorize', gatehouse.url);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: 'cli',
      redirect_uri: 'http://127.0.0.1:9999/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      resource: `${gatehouse.config.issuer}/mcp`,
    }))
      authorize.searchParams.set(name, value);
    await page.goto(authorize.toString());
    await page.waitForSelector('button[value=approve]');
    expect(await seriousViolations(page)).toEqual([]);
    const refused = await page.goto(`${gatehouse.url}/admin/users`);
    expect(refused?.status()).toBe(403);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
