import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, chromiumAvailable, launchChromium, submitDevLogin } from '../support/chromium';
import { startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { listTools } from '../support/mcp-call';

describe.skipIf(!chromiumAvailable)('the Tokens page in Chromium', () => {
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

  const call = (token: string) => listTools(gh.url, token);

  it('creates a token shown once, which works, then revokes it', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gh.url}/login`);
    await submitDevLogin(page, 'erin@example.com');
    await page.goto(`${gh.url}/account/tokens`);
    expect(await page.textContent('body')).toContain('You have no personal access tokens.');

    const form = page.locator('form[data-endpoint="/mcp"]');
    await form.locator('input[name=name]').fill('laptop CLI');
    await form.locator('input[name=scope][value="mcp:tools"]').check();
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    const token = (await page.textContent('#new-token')) ?? '';
    expect(token).toMatch(/^gth_/);
    await page.screenshot({ path: join(ARTIFACTS, 'tokens-created.png'), fullPage: true });
    expect((await call(token)).status).toBe(200);

    await page.goto(`${gh.url}/account/tokens`); // shown once: not on the page any more
    expect(await page.textContent('body')).not.toContain(token);
    expect(await page.textContent('body')).toContain(`${token.slice(0, 12)}…`);
    await Promise.all([
      page.waitForURL(`${gh.url}/account/tokens`),
      page.click('form[action="/account/tokens/revoke"] button'),
    ]);
    expect(await page.textContent('body')).toContain('You have no personal access tokens.');
    expect((await call(token)).status).toBe(401);
    await context.close();
  });
});
