import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, postgresUrl } from '../support/databases';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
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
        },
        { database: await openTestDatabase(driver) },
      );
    });
    afterAll(async () => {
      await gh?.close();
    });

    async function tokens() {
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
      const issued = await tokenRequest(gh.url, {
        grant_type: 'authorization_code',
        client_id: 'cli',
        code: landed.searchParams.get('code') ?? '',
        code_verifier: pkce.verifier,
        redirect_uri: REDIRECT,
      });
      expect(issued.status).toBe(200);
      return issued.body;
    }
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
  });
}
