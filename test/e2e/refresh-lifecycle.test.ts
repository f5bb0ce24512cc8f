import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto';
import { openTestDatabase, postgresUrl } from '../support/databases';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import { listTools } from '../support/mcp-call';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  devLogin,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';

const REDIRECT = 'http://127.0.0.1:9999/callback';

// The token lifecycle on each database: SQLite, and PostgreSQL where requests really run in parallel.
for (const driver of ['sqlite', 'postgres'] as const) {
  describe.skipIf(driver === 'postgres' && !postgresUrl)(`refresh lifecycle [${driver}]`, () => {
    let gh: TestGatehouse;
    beforeAll(async () => {
      gh = await startTestGatehouse(
        {
          resources: [
            demoResource({ writeByDefault: true }),
            { path: '/other', name: 'Other', scopes: [{ name: 'other', description: 'Other' }] },
          ],
          clients: [{ clientId: 'cli', clientName: 'CLI', redirectUris: [REDIRECT] }],
          // No verification cache: a revoked grant's tokens must fail at once here.
          tokens: { verificationCacheSeconds: 0 },
        },
        { database: await openTestDatabase(driver) },
      );
    });
    afterAll(async () => {
      await gh?.close();
    });

    async function code() {
      const pkce = await pkcePair();
      const landed = await authorizeThroughPages(
        createBrowser(gh.url),
        authorizeUrl(gh.url, {
          response_type: 'code',
          client_id: 'cli',
          redirect_uri: REDIRECT,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
          scope: 'mcp:tools mcp:write',
        }),
      );
      return {
        grant_type: 'authorization_code',
        client_id: 'cli',
        code: landed.searchParams.get('code') ?? '',
        code_verifier: pkce.verifier,
        redirect_uri: REDIRECT,
      };
    }
    async function tokens() {
      const issued = await tokenRequest(gh.url, await code());
      expect(issued.status).toBe(200);
      return issued.body;
    }
    const works = async (accessToken: string | undefined) =>
      (await listTools(gh.url, accessToken ?? '')).status === 200;
    const liveChains = async (grantOf: string) => {
      const rows = await gh.database.db
        .selectFrom('oauth_refresh_tokens')
        .select('token_hash')
        .where('grant_id', '=', grantOf)
        .where('rotated_at', 'is', null)
        .execute();
      return rows.length;
    };
    const grantOf = async (accessToken: string) => {
      const row = await gh.database.db
        .selectFrom('oauth_access_tokens')
        .select('grant_id')
        .where('token_hash', '=', await sha256(accessToken))
        .executeTakeFirst();
      return row?.grant_id ?? '';
    };
    const refresh = (token: string | undefined, extra: Record<string, string> = {}) =>
      tokenRequest(gh.url, { grant_type: 'refresh_token', client_id: 'cli', refresh_token: token, ...extra });

    it.each([
      ['a wider scope', { scope: 'mcp:tools mcp:write other' }, 'invalid_scope'],
      ['a foreign resource', { resource: 'http://127.0.0.1:1/other' }, 'invalid_target'],
    ])('a refresh refused for %s leaves the refresh token usable (no false replay)', async (_label, extra, error) => {
      const issued = await tokens();
      // Twice: once could hide behind the grace a just-rotated token gets for a lost response.
      for (let attempt = 0; attempt < 2; attempt++)
        expect((await refresh(issued.refresh_token, extra)).body.error).toBe(error);
      const next = await refresh(issued.refresh_token);
      expect(next.status, JSON.stringify(next.body)).toBe(200);
      const replays = await gh.database.db
        .selectFrom('audit_events')
        .select('event')
        .where('event', '=', 'replay.detected')
        .execute();
      expect(replays).toEqual([]);
    });

    it('a narrowed refresh narrows the access token only: the new refresh token keeps the grant scope (RFC 6749 §6)', async () => {
      const issued = await tokens();
      const narrowed = await refresh(issued.refresh_token, { scope: 'mcp:tools' });
      expect(narrowed.body.scope).toBe('mcp:tools');
      const full = await refresh(narrowed.body.refresh_token);
      expect(full.body.scope).toBe('mcp:tools mcp:write');
      const again = await refresh(full.body.refresh_token, { scope: 'mcp:write offline_access' });
      expect(again.body.scope).toBe('mcp:write');
    });

    it('parallel refreshes with one token all get the same answer: one live chain (no forked family)', async () => {
      // A client refreshing from several requests at once (Gemini CLI does), or a thief racing the client.
      for (let round = 0; round < 5; round++) {
        const issued = await tokens();
        const grant = await grantOf(issued.access_token ?? '');
        const answers = await Promise.all(Array.from({ length: 4 }, () => refresh(issued.refresh_token)));
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
        expect(new Set(answers.map((answer) => answer.body.refresh_token)).size).toBe(1);
        expect(new Set(answers.map((answer) => answer.body.access_token)).size).toBe(1);
        expect(await liveChains(grant)).toBe(1);
        expect(await works(answers[0]?.body.access_token)).toBe(true);
        expect((await refresh(answers[0]?.body.refresh_token)).status).toBe(200);
      }
    });

    it('a code replay racing the first exchange revokes whatever the exchange produced', async () => {
      for (let round = 0; round < 3; round++) {
        const form = await code();
        const answers = await Promise.all(Array.from({ length: 6 }, () => tokenRequest(gh.url, form)));
        expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(1);
        for (const answer of answers) expect(await works(answer.body.access_token)).toBe(false);
        for (const answer of answers.filter((a) => a.status === 200))
          expect((await refresh(answer.body.refresh_token)).status).toBe(400);
      }
    });

    it('no access token outlives its grant, whatever the interleaving with a revocation', async () => {
      for (let round = 0; round < 3; round++) {
        const issued = await tokens();
        const revoke = fetch(`${gh.url}/oauth/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: 'cli', token: issued.refresh_token ?? '' }),
        });
        const [refreshed] = await Promise.all([refresh(issued.refresh_token), revoke]);
        expect(await works(issued.access_token)).toBe(false);
        if (refreshed.status === 200) expect(await works(refreshed.body.access_token)).toBe(false);
      }
    });

    it('a grant ends at its absolute lifetime however often it is refreshed', async () => {
      const issued = await tokens();
      let current = issued.refresh_token;
      for (let day = 0; day < 3; day++) {
        const next = await refresh(current);
        expect(next.status).toBe(200);
        current = next.body.refresh_token;
      }
      await gh.database.db
        .updateTable('oauth_grants')
        .set({ created_at: Date.now() - 31 * 86_400_000 })
        .where('id', '=', await grantOf(issued.access_token ?? ''))
        .execute();
      const refused = await refresh(current);
      expect(refused.body).toMatchObject({
        error: 'invalid_grant',
        error_description: expect.stringMatching(/maximum lifetime/),
      });
    });

    it('a second authorization of the same client keeps the first one working (two laptops)', async () => {
      const first = await tokens();
      const second = await tokens();
      expect(await works(first.access_token)).toBe(true);
      expect(await works(second.access_token)).toBe(true);
      expect((await refresh(first.refresh_token)).status).toBe(200);
      // Connected apps tells them apart: when each was authorized and where its code went.
      const browser = createBrowser(gh.url);
      await devLogin(browser);
      const page = await (await browser.get('/account/apps')).text();
      expect(page.match(/via 127\.0\.0\.1:9999/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(page).toContain('Authorized');
    });
  });
}
