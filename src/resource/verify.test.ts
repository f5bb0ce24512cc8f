import { describe, expect, it } from 'vitest';
import { createTestClock, useMemoryDatabase } from '../../test/support/databases';
import { createKeyRing } from '../crypto';
import { seal } from '../oauth/deps';
import { hashToken } from '../oauth/issue';
import type { ProtectedResource } from '../oauth/resource';
import { createSqlGrantStore, createSqlTokenStore } from '../store';
import { createAccessTokenVerifier } from './verify';

const db = useMemoryDatabase();

const resource: ProtectedResource = {
  uri: 'https://gh.example.com/mcp',
  path: '/mcp',
  name: 'MCP',
  scopes: [
    { name: 'mcp:tools', description: 'tools', default: true },
    { name: 'offline_access', description: 'never in challenges', default: true },
  ],
};

describe('createAccessTokenVerifier', async () => {
  const keyRing = await createKeyRing([{ id: 'k', key: new Uint8Array(32).fill(6) }]);
  const clock = createTestClock();

  async function storeToken(token: string, scopes: string[], audience = resource.uri, grantId = 'g1') {
    const tokens = createSqlTokenStore(db());
    // An access token is valid only while its grant exists.
    const grants = createSqlGrantStore(db());
    if (!(await grants.get(grantId, clock.now())))
      await grants.create({
        id: grantId,
        userHash: 'u',
        clientId: 'c',
        sealed: 'grant',
        createdAt: clock.now(),
        lastUsedAt: clock.now(),
        expiresAt: clock.now() + 86_400_000,
      });
    const tokenHash = await hashToken(token);
    await tokens.saveAccess({
      tokenHash,
      grantId,
      sealed: await seal(
        { keyRing },
        { userId: 'u', clientId: 'c', scopes, resource: audience },
        `at:${tokenHash}`,
      ),
      expiresAt: clock.now() + 60_000,
    });
    return tokens;
  }

  it('answers 403 insufficient_scope with the scopes the operation needs', async () => {
    const tokens = await storeToken('gat_scoped', ['mcp:tools']);
    const verifier = createAccessTokenVerifier({ tokens, keyRing, now: clock.now, cacheMs: 0 });
    const result = await verifier.verify('Bearer gat_scoped', resource, `${resource.uri}`, [
      'mcp:tools',
      'mcp:write',
    ]);
    expect(result).toMatchObject({ ok: false, status: 403, error: 'insufficient_scope' });
    if (result.ok) return;
    expect(result.challenge).toBe(
      'Bearer resource_metadata="https://gh.example.com/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="this operation needs: mcp:tools mcp:write", scope="mcp:tools mcp:write"',
    );
    expect((await verifier.verify('Bearer gat_scoped', resource, resource.uri, ['mcp:tools'])).ok).toBe(true);
  });

  it('never puts offline_access in a challenge; refuses malformed headers and expired tokens', async () => {
    const tokens = await storeToken('gat_expiring', ['mcp:tools']);
    const verifier = createAccessTokenVerifier({ tokens, keyRing, now: clock.now, cacheMs: 0 });
    const none = await verifier.verify(undefined, resource, resource.uri);
    expect(none.ok ? '' : none.challenge).not.toContain('offline_access');
    expect(await verifier.verify('Basic abc', resource, resource.uri)).toMatchObject({
      ok: false,
      status: 401,
      error: 'invalid_token',
    });
    clock.advance(60_000);
    expect(await verifier.verify('Bearer gat_expiring', resource, resource.uri)).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('caches for at most cacheMs and forgets a revoked grant at once', async () => {
    const tokens = await storeToken('gat_cached', ['mcp:tools'], resource.uri, 'g-cached');
    const verifier = createAccessTokenVerifier({ tokens, keyRing, now: clock.now, cacheMs: 5_000 });
    expect((await verifier.verify('Bearer gat_cached', resource, resource.uri)).ok).toBe(true);
    await tokens.deleteAccess(await hashToken('gat_cached')); // revoked by another instance
    expect((await verifier.verify('Bearer gat_cached', resource, resource.uri)).ok).toBe(true); // cached
    clock.advance(5_001);
    expect((await verifier.verify('Bearer gat_cached', resource, resource.uri)).ok).toBe(false);

    await storeToken('gat_local', ['mcp:tools'], resource.uri, 'g-local');
    expect((await verifier.verify('Bearer gat_local', resource, resource.uri)).ok).toBe(true);
    await tokens.deleteAccess(await hashToken('gat_local'));
    verifier.forgetGrant('g-local'); // revoked on this instance: immediate
    expect((await verifier.verify('Bearer gat_local', resource, resource.uri)).ok).toBe(false);
  });
});
