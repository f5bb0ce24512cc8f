import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config';
import { startTestGatehouse } from '../support/gatehouse';
import { callToolRaw } from '../support/mcp-call';
import {
  authorizeUrl,
  type Browser,
  createBrowser,
  csrfFrom,
  devLogin,
  pkcePair,
  tokenRequest,
  tokensThroughPages,
} from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';

const REDIRECT = 'http://127.0.0.1:9999/callback';
const WRITERS = 'writers@example.com';

/** A Gatehouse whose `mcp:write` only the listed addresses may hold (the file database outlives restarts). */
function config(dir: string, writers: string[]): Partial<ConfigInput> {
  return {
    database: { url: `sqlite:${join(dir, 'gatehouse.db')}` },
    resources: [
      {
        path: '/mcp',
        name: 'Demo MCP',
        scopes: [
          { name: 'mcp:tools', description: 'Use the tools' },
          { name: 'mcp:write', description: 'Change data', default: false, allow: { emails: writers } },
        ],
        toolScopes: { 'notes.add': ['mcp:write'] },
      },
    ],
    clients: [{ clientId: 'cli', clientName: 'Test CLI', redirectUris: [REDIRECT] }],
  };
}

async function signIn(base: string, email: string) {
  const browser = createBrowser(base);
  await devLogin(browser, email);
  return browser;
}

/** The whole flow, approving everything the page offers; the token answer. */
const authorize = (base: string, browser: Browser, scope = 'mcp:tools mcp:write') =>
  tokensThroughPages(base, { clientId: 'cli', redirectUri: REDIRECT }, { scope, browser });

/**
 * The scope policy (`resources[].scopes[].allow`, issue 17): a user outside the rule cannot get `mcp:write`
 * by consent (or a forged form), by step-up, by refresh or by a personal access token; a policy change takes
 * effect at the next refresh and revokes tokens that now exceed it.
 */
describe('who may hold which scope', () => {
  it('consent and step-up show the scope unavailable and never grant it, even to a forged form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-'));
    const gh = await startTestGatehouse(config(dir, [WRITERS]));
    try {
      const outsider = await signIn(gh.url, 'reader@example.com');
      const pkce = await pkcePair();
      const start = await outsider.get(
        authorizeUrl(gh.url, {
          response_type: 'code',
          client_id: 'cli',
          redirect_uri: REDIRECT,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
          scope: 'mcp:tools mcp:write',
        }),
      );
      const location = start.headers.get('location') ?? '';
      const html = await (await outsider.get(location)).text();
      expect(html).toMatch(
        /data-scope="mcp:write" data-unavailable="true">(?:(?!<\/label>).)*disabled(?:(?!<\/label>).)*not available to you: only for writers@example\.com/s,
      );
      // The form sent anyway with the scope ticked: the code carries only what the user may hold.
      const authz = new URL(location, gh.url).searchParams.get('authz') ?? '';
      const decided = await outsider.post('/oauth/consent', {
        authz,
        csrf: csrfFrom(html),
        decision: 'approve',
        scope: ['mcp:tools', 'mcp:write'],
      });
      const code = new URL(decided.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const tokens = await tokenRequest(gh.url, {
        grant_type: 'authorization_code',
        code,
        code_verifier: pkce.verifier,
        redirect_uri: REDIRECT,
        client_id: 'cli',
      });
      expect(tokens.body.scope).toBe('mcp:tools');
      expect(
        (await callToolRaw(`${gh.url}/mcp`, tokens.body.access_token ?? '', 'notes.add', { text: 'x' }))
          .status,
      ).toBe(403);

      // Step-up: the same client asks again for more; the page still offers only what the user may hold.
      const again = await authorize(gh.url, outsider);
      expect(again.body.scope).toBe('mcp:tools');

      // A writer gets both.
      const writer = await authorize(gh.url, await signIn(gh.url, WRITERS));
      expect(writer.body.scope?.split(' ').sort()).toEqual(['mcp:tools', 'mcp:write']);
    } finally {
      await gh.close();
    }
  });

  it('a token for a scope the user may not hold is refused at creation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-'));
    const gh = await startTestGatehouse(config(dir, [WRITERS]));
    try {
      const outsider = await signIn(gh.url, 'reader@example.com');
      const refused = await createPatThroughPage(outsider, {
        name: 'x',
        resource: '/mcp',
        scope: ['mcp:tools', 'mcp:write'],
        expires_days: '7',
      });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('mcp:write is not available to you (only for writers@example.com).');
      expect(refused.token).toBeUndefined();
    } finally {
      await gh.close();
    }
  });

  it('a policy change drops the scope at the next refresh and revokes tokens that exceed it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-'));
    const before = await startTestGatehouse(config(dir, [WRITERS]));
    let refreshToken = '';
    let pat = '';
    let onlyWrite = '';
    try {
      const writer = await signIn(before.url, WRITERS);
      const tokens = await authorize(before.url, writer);
      expect(tokens.body.scope?.split(' ').sort()).toEqual(['mcp:tools', 'mcp:write']);
      refreshToken = tokens.body.refresh_token ?? '';
      const created = await createPatThroughPage(writer, {
        name: 'writer',
        resource: '/mcp',
        scope: ['mcp:tools', 'mcp:write'],
        expires_days: '7',
      });
      pat = created.token ?? '';
      expect((await callToolRaw(`${before.url}/mcp`, pat, 'notes.add', { text: 'x' })).status).toBe(200);
      // A grant of mcp:write alone: nothing would be left of it.
      const lone = await authorize(before.url, writer, 'mcp:write');
      onlyWrite = lone.body.refresh_token ?? '';
    } finally {
      await before.close();
    }
    // The operator takes mcp:write away from this address (a restart with the new configuration).
    const after = await startTestGatehouse(config(dir, ['someone-else@example.com']));
    try {
      const refreshed = await tokenRequest(after.url, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'cli',
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.scope).toBe('mcp:tools');
      // Asking for it back on refresh is widening: refused.
      const widen = await tokenRequest(after.url, {
        grant_type: 'refresh_token',
        refresh_token: refreshed.body.refresh_token,
        client_id: 'cli',
        scope: 'mcp:tools mcp:write',
      });
      expect(widen.body.error).toBe('invalid_scope');
      const ended = await tokenRequest(after.url, {
        grant_type: 'refresh_token',
        refresh_token: onlyWrite,
        client_id: 'cli',
      });
      expect(ended.body).toMatchObject({ error: 'invalid_grant' });
      // The personal access token holds more than its owner may now: revoked at its next use.
      expect((await callToolRaw(`${after.url}/mcp`, pat, 'echo', { text: 'x' })).status).toBe(401);
      expect(await after.database.db.selectFrom('personal_access_tokens').select('id').execute()).toEqual([]);
    } finally {
      await after.close();
    }
  });
});
