import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { approveInChromium, chromiumAvailable } from '../support/chromium';
import { useProgramWorld } from './world';

const REDIRECT = 'http://127.0.0.1:45123/callback';

/** The provider an application writes for the 1.x SDK: state in memory, the browser leg in Chromium. */
function chromiumProvider(browser: Browser) {
  let client: OAuthClientInformationMixed | undefined;
  let tokens: OAuthTokens | undefined;
  let verifier = '';
  let code: string | undefined;
  const provider: OAuthClientProvider = {
    redirectUrl: REDIRECT,
    clientMetadata: {
      client_name: 'SDK 1.x test app',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    clientInformation: () => client,
    saveClientInformation: (info) => {
      client = info;
    },
    tokens: () => tokens,
    saveTokens: (saved) => {
      tokens = saved;
    },
    saveCodeVerifier: (saved) => {
      verifier = saved;
    },
    codeVerifier: () => verifier,
    async redirectToAuthorization(url) {
      const page = await browser.newPage();
      const landed = await approveInChromium(page, url.toString(), REDIRECT, { email: 'sdk-v1@example.com' });
      code = new URL(landed).searchParams.get('code') ?? undefined;
      await page.close();
    },
  };
  return { provider, code: () => code, tokens: () => tokens };
}

describe.skipIf(!chromiumAvailable)('the MCP TypeScript SDK 1.x client', () => {
  const world = useProgramWorld();

  it('authorizes (DCR, PKCE, resource), calls a tool, and refreshes after the access token expires', {
    timeout: 30_000,
  }, async () => {
    const auth = chromiumProvider(world.browser());
    const url = new URL(`${world.gatehouse().url}/mcp`);
    const client = new Client({ name: 'sdk-v1', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(url, { authProvider: auth.provider });
    await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    await transport.finishAuth(auth.code() ?? '');
    const connected = new Client({ name: 'sdk-v1', version: '1.0.0' });
    await connected.connect(new StreamableHTTPClientTransport(url, { authProvider: auth.provider }));
    const echoed = await connected.callTool({ name: 'echo', arguments: { text: 'from sdk 1.x' } });
    expect(echoed.content).toEqual([{ type: 'text', text: 'from sdk 1.x' }]);
    const firstAccess = auth.tokens()?.access_token;

    world.advance(3_700_000); // the access token has expired
    const later = await connected.callTool({ name: 'echo', arguments: { text: 'after refresh' } });
    expect(later.content).toEqual([{ type: 'text', text: 'after refresh' }]);
    expect(auth.tokens()?.access_token).not.toBe(firstAccess);
    await connected.close();
  });
});
