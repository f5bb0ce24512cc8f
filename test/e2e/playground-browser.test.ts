import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium, submitDevLogin } from '../support/chromium';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

describe.skipIf(!chromiumAvailable)('the playground in Chromium', () => {
  let gh: TestGatehouse;
  let browser: Browser;
  beforeAll(async () => {
    gh = await startTestGatehouse();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gh?.close();
  });

  it('login → consent → pick the endpoint → call echo → the result is on the page', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gh.url}/playground`); // not signed in: the login page first
    expect(new URL(page.url()).pathname).toBe('/login');
    await submitDevLogin(page, 'pat@example.com');

    await page.goto(`${gh.url}/playground`);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/oauth/consent'),
      page.click('li[data-endpoint="/mcp"] button:has-text("Connect")'),
    ]);
    // the consent page names the playground and the host that vouches for its metadata document
    const consent = (await page.textContent('body')) ?? '';
    expect(consent).toContain('Gatehouse Playground');
    expect(await page.textContent('h1')).toMatch(/^Gatehouse Playground wants to access /);
    expect(consent).toContain(new URL(gh.url).host);
    expect(consent).toContain('This is the playground of this Gatehouse');
    expect(consent).not.toContain('does not match the host'); // first party: no impostor warning
    await page.screenshot({ path: join(ARTIFACTS, 'playground-consent.png'), fullPage: true });
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/playground'),
      page.click('button[value=approve]'),
    ]);

    const echo = page.locator('form[data-tool="echo"]');
    await echo.locator('input[name="arg.text"]').fill('Hello from Chromium');
    await Promise.all([page.waitForLoadState('load'), echo.locator('button[type=submit]').click()]);
    const result = page.locator('#result');
    expect(await result.textContent()).toContain('Hello from Chromium');
    expect(await result.textContent()).toContain('Result of echo');
    await page.screenshot({ path: join(ARTIFACTS, 'playground-echo.png'), fullPage: true });

    // the transaction cookie is gone and no cookie holds a token
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).not.toContain('gh_playground');
    for (const cookie of cookies) expect(cookie.value).not.toMatch(/^g(at|rt)_/);
    await context.close();
  });
});
