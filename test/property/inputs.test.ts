import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeOutbound } from '../../src/lib/net/safe-fetch';
import { startCimdServer } from '../support/cimd-server';
import { openTestDatabase, postgresUrl } from '../support/databases';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { mcpPostHeaders } from '../support/mcp-call';
import { accessTokenThroughPages, createBrowser, csrfFrom, devLogin } from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1:9999/cb';
const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'rate_limited',
]);

/** Text of every kind: control characters, NUL, lone surrogates, bidi controls, long runs. */
const hostileText = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '\u0000',
      'cli\u0000',
      'a\u0001b',
      '\u202e',
      '%00',
      '../',
      'https://127.0.0.1:1/x',
      '"><script>',
      'x'.repeat(3000),
    ),
    weight: 3,
  },
);
/** What a header can carry at all (fetch refuses the rest before sending). */
const headerText = fc.string({
  unit: fc.constantFrom(...' \t!"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZabcxyz[\\]^_`{|}~'),
  maxLength: 60,
});

/** Never a 500, never a stack trace or internal path in what is answered. */
async function expectClean(response: Response): Promise<string> {
  const text = await response.text();
  expect(response.status, text).toBeLessThan(500);
  expect(text).not.toMatch(/\bat \S+ \(|\/src\/\S+\.tsx?|node_modules|Error: /);
  return text;
}

for (const driver of ['sqlite', 'postgres'] as const) {
  describe.skipIf(driver === 'postgres' && !postgresUrl)(
    `every parser and endpoint input, generated [${driver}]`,
    () => {
      let gh: TestGatehouse;
      let documents: Awaited<ReturnType<typeof startCimdServer>>;
      let token = '';
      beforeAll(async () => {
        documents = await startCimdServer();
        gh = await startTestGatehouse(
          {
            resources: [demoResource()],
            clients: [{ clientId: 'cli', clientName: 'CLI', redirectUris: [REDIRECT] }],
            registration: { maxPerIpPerHour: 100_000 },
          },
          { database: await openTestDatabase(driver), outbound: createNodeOutbound({ ca: documents.ca }) },
        );
        token = await accessTokenThroughPages(gh.url, { clientId: 'cli', redirectUri: REDIRECT });
      });
      afterAll(async () => {
        await gh?.close();
        await documents?.close();
      });
      const runs = { numRuns: 60 };

      it('the authorization request', async () => {
        const names = fc.constantFrom(
          'client_id',
          'redirect_uri',
          'response_type',
          'state',
          'code_challenge',
          'code_challenge_method',
          'resource',
          'scope',
          'prompt',
          'x',
        );
        await fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(names, hostileText), { maxLength: 9 }), async (pairs) => {
            const query = new URLSearchParams(pairs);
            if (Math.random() < 0.5) query.set('client_id', 'cli');
            const response = await fetch(`${gh.url}/oauth/authorize?${query}`, { redirect: 'manual' });
            await expectClean(response);
            // Never a redirect to a URI that is not registered.
            const location = response.headers.get('location');
            if (location && !location.startsWith('/')) expect(location.startsWith(REDIRECT)).toBe(true);
          }),
          runs,
        );
      });

      it('the token and revocation forms', async () => {
        const names = fc.constantFrom(
          'grant_type',
          'code',
          'code_verifier',
          'redirect_uri',
          'client_id',
          'client_secret',
          'refresh_token',
          'resource',
          'scope',
          'token',
          'client_assertion',
          'client_assertion_type',
        );
        const grant = fc.constantFrom(
          'authorization_code',
          'refresh_token',
          'client_credentials',
          'password',
          '',
        );
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(names, hostileText, { maxKeys: 8 }),
            grant,
            fc.constantFrom('/oauth/token', '/oauth/revoke'),
            fc.option(headerText, { nil: undefined }),
            async (pairs, grantType, path, authorization) => {
              const form = new URLSearchParams(pairs);
              if (!form.has('grant_type')) form.set('grant_type', grantType);
              const response = await fetch(`${gh.url}${path}`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/x-www-form-urlencoded',
                  ...(authorization ? { authorization } : {}),
                },
                body: form,
              });
              const text = await expectClean(response);
              if (response.status >= 400)
                expect(OAUTH_ERRORS.has((JSON.parse(text) as { error: string }).error)).toBe(true);
            },
          ),
          runs,
        );
      });

      it('a registration body (RFC 7591), of any JSON shape', async () => {
        const metadata = fc.record(
          {
            redirect_uris: fc.oneof(
              fc.array(hostileText, { maxLength: 3 }),
              fc.constant([REDIRECT]),
              fc.anything(),
            ),
            client_name: fc.oneof(hostileText, fc.anything()),
            grant_types: fc.oneof(fc.array(hostileText, { maxLength: 3 }), fc.anything()),
            token_endpoint_auth_method: fc.oneof(
              hostileText,
              fc.constantFrom('none', 'private_key_jwt', 'client_secret_basic'),
            ),
            jwks: fc.anything(),
            jwks_uri: hostileText,
            scope: fc.anything(),
          },
          { requiredKeys: [] },
        );
        await fc.assert(
          fc.asyncProperty(fc.oneof(metadata, fc.anything()), async (body) => {
            const response = await fetch(`${gh.url}/oauth/register`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body) ?? 'null',
            });
            const text = await expectClean(response);
            if (response.status !== 201)
              expect(OAUTH_ERRORS.has((JSON.parse(text) as { error: string }).error)).toBe(true);
          }),
          runs,
        );
      });

      it('a client metadata document, of any JSON shape', async () => {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.anything(),
              fc.dictionary(
                fc.constantFrom(
                  'client_id',
                  'client_name',
                  'redirect_uris',
                  'jwks',
                  'token_endpoint_auth_method',
                ),
                fc.anything(),
              ),
            ),
            async (document) => {
              const url = documents.serve(`/doc-${driver}-${n++}.json`, JSON.stringify(document) ?? 'null');
              const response = await fetch(
                `${gh.url}/oauth/authorize?${new URLSearchParams({ client_id: url, response_type: 'code' })}`,
                {
                  redirect: 'manual',
                },
              );
              await expectClean(response);
            },
          ),
          { numRuns: 25 },
        );
      });

      it('the consent form', async () => {
        const browser = createBrowser(gh.url);
        await devLogin(browser);
        await fc.assert(
          fc.asyncProperty(
            fc.dictionary(
              fc.constantFrom('authz', 'csrf', 'decision', 'scope', 'x'),
              fc.oneof(hostileText, fc.array(hostileText, { maxLength: 3 })),
            ),
            async (form) => {
              await expectClean(
                await browser.post('/oauth/consent', form as Record<string, string | string[]>),
              );
            },
          ),
          runs,
        );
        // A real pending request answered with a forged form never becomes a code.
        const start = await browser.get(
          `/oauth/authorize?${new URLSearchParams({ client_id: 'cli', redirect_uri: REDIRECT, response_type: 'code', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
        );
        const location = start.headers.get('location') ?? '';
        const page = await (await browser.get(location)).text();
        expect(csrfFrom(page)).toBeTruthy();
      });

      it('the bearer header and the JSON-RPC envelope at the MCP endpoint', async () => {
        await fc.assert(
          fc.asyncProperty(headerText, async (authorization) => {
            const response = await fetch(`${gh.url}/mcp`, {
              method: 'POST',
              headers: { ...mcpPostHeaders('x'), authorization },
              body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
            });
            await expectClean(response);
            expect([400, 401, 403]).toContain(response.status);
          }),
          runs,
        );
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.anything(),
              fc.jsonValue(),
              fc.record({
                jsonrpc: fc.constant('2.0'),
                id: fc.anything(),
                method: hostileText,
                params: fc.anything(),
              }),
            ),
            async (message) => {
              const response = await fetch(`${gh.url}/mcp`, {
                method: 'POST',
                headers: mcpPostHeaders(token),
                body: JSON.stringify(message) ?? 'null',
              });
              await expectClean(response);
            },
          ),
          runs,
        );
      });
    },
  );
}
