import { type Browser, csrfFrom } from './oauth-driver';

/** Submits the Tokens page's create form; returns the status, the page and the token shown once. */
export async function createPatThroughPage(browser: Browser, form: Record<string, string | string[]>) {
  const page = await (await browser.get('/account/tokens')).text();
  const response = await browser.post('/account/tokens', { csrf: csrfFrom(page), ...form });
  const html = await response.text();
  return {
    status: response.status,
    html,
    token: /<code id="new-token">(gth_[\w-]+)<\/code>/.exec(html)?.[1],
  };
}
