import { describe, expect, it } from 'vitest';
import { createTestClock, useMemoryDatabase } from '../../test/support/databases';
import { createKeyRing, importHmacKey, utf8 } from '../crypto';
import { createSqlAuditStore, createSqlLockStore, createSqlUserStore } from '../store';
import { createAuditLog, createLogger, createMemoryDestination } from '../telemetry';
import { createUserDirectory, type Profile } from './directory';
import { createIdentityGuard, IdentityProviderUnavailable } from './guard';
import type { UpstreamTokens } from './identity';
import type { AccessPolicy } from './policy';
import type { Revalidation, UpstreamProvider } from './upstream/types';

const db = useMemoryDatabase();
const policy: AccessPolicy = {
  allowAnyone: false,
  domains: ['example.com'],
  emails: [],
  groups: [],
  admins: { emails: [], groups: [] },
  helpText: '',
};

/** A provider port whose answers the test scripts; it counts how often it is asked. */
function scriptedProvider(answer: (tokens: UpstreamTokens) => Promise<Revalidation>) {
  const provider = {
    calls: 0,
    settings: { id: 'corp', requireEmailVerified: true } as UpstreamProvider['settings'],
    authorizationUrl: async () => new URL('https://idp.example/auth'),
    finishLogin: async () => {
      throw new Error('not used');
    },
    async revalidate(_identity: unknown, tokens: UpstreamTokens) {
      provider.calls++;
      return answer(tokens);
    },
  };
  return provider;
}

async function setup(answer: (tokens: UpstreamTokens) => Promise<Revalidation>, recheckIntervalMs = 900_000) {
  const clock = createTestClock();
  const keyRing = await createKeyRing([{ id: 'k', key: new Uint8Array(32).fill(7) }]);
  const directory = createUserDirectory({
    store: createSqlUserStore(db()),
    keyRing,
    hmacKey: await importHmacKey(utf8.encode('h'.repeat(32))),
    now: clock.now,
  });
  const provider = scriptedProvider(answer);
  const revoked: string[] = [];
  const logs = createMemoryDestination();
  const logger = createLogger({ level: 'info', destination: logs });
  const guard = createIdentityGuard({
    directory,
    providers: new Map([['corp', provider as unknown as UpstreamProvider]]),
    policy,
    revokeUserGrants: async (userId) => {
      revoked.push(userId);
      return 1;
    },
    audit: createAuditLog({ store: createSqlAuditStore(db()), logger, now: clock.now }),
    logger,
    locks: createSqlLockStore(db(), clock.now),
    now: clock.now,
    recheckIntervalMs,
  });
  const profile: Profile = {
    idp: 'corp',
    subject: `sub-${Math.random()}`,
    email: 'erin@example.com',
    emailVerified: true,
    name: 'Erin',
    groups: [],
  };
  const { userId } = await directory.recordLogin(profile, {
    accessToken: 'at-1',
    refreshToken: 'rt-1',
    expiresAt: clock.now() + 3600_000,
  });
  return { clock, directory, provider, revoked, guard, userId, profile, logs };
}

describe('identity guard', () => {
  it('re-validates at refresh at most once per interval', async () => {
    const t = await setup(async (tokens) => ({
      kind: 'valid',
      identity: {
        idp: 'corp',
        subject: 'x',
        email: 'erin@example.com',
        emailVerified: true,
        name: 'E',
        groups: [],
      },
      tokens,
    }));
    const subject = t.profile.subject;
    t.provider.revalidate = async (_i: unknown, tokens: UpstreamTokens) => {
      t.provider.calls++;
      return {
        kind: 'valid',
        identity: {
          idp: 'corp',
          subject,
          email: 'ERIN@example.com',
          emailVerified: true,
          name: 'E',
          groups: [],
        },
        tokens,
      };
    };
    expect(await t.guard.checkOnRefresh(t.userId)).toBe(true);
    expect(t.provider.calls).toBe(0); // just logged in: checked now
    t.clock.advance(899_000);
    expect(await t.guard.checkOnRefresh(t.userId)).toBe(true);
    expect(t.provider.calls).toBe(0);
    t.clock.advance(2000);
    expect(await t.guard.checkOnRefresh(t.userId)).toBe(true);
    expect(t.provider.calls).toBe(1);
    expect(await t.guard.checkOnRefresh(t.userId)).toBe(true);
    expect(t.provider.calls).toBe(1); // the check moved the clock of the last validation
    expect(t.revoked).toEqual([]); // an email differing only in case is not drift
  });

  it('revokes on refusal, ends sessions and drops the tokens; an outage revokes nothing', async () => {
    let answer: Revalidation = { kind: 'unavailable', hint: 'down' };
    const t = await setup(async () => answer, 0);
    expect(await t.guard.checkOnRefresh(t.userId)).toBe(true);
    expect(t.revoked).toEqual([]);
    answer = { kind: 'refused', hint: 'invalid_grant' };
    expect(await t.guard.checkOnRefresh(t.userId)).toBe(false);
    expect(t.revoked).toEqual([t.userId]);
    const record = await t.directory.get(t.userId);
    expect(record?.tokensSealed).toBeNull();
    expect(record?.sessionsValidAfter).toBe(t.clock.now());
    expect(t.logs.text()).toContain('"reason":"idp_refused"');
    expect(t.logs.text()).not.toContain('rt-1');
  });

  it('hands out the upstream token, refreshing it single-flight when it expires', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await setup(async (tokens) => {
      await gate;
      return {
        kind: 'valid',
        identity: {
          idp: 'corp',
          subject: t.profile.subject,
          email: 'erin@example.com',
          emailVerified: true,
          name: 'E',
          groups: [],
        },
        tokens: { ...tokens, accessToken: 'at-2', expiresAt: t.clock.now() + 3600_000 },
      };
    });
    expect(await t.guard.upstreamAccessToken(t.userId)).toBe('at-1');
    t.clock.advance(3600_000);
    const pending = Array.from({ length: 10 }, () => t.guard.upstreamAccessToken(t.userId));
    release();
    expect(await Promise.all(pending)).toEqual(Array(10).fill('at-2'));
    expect(t.provider.calls).toBe(1);
    expect(await t.guard.upstreamAccessToken(t.userId)).toBe('at-2');
    expect(t.provider.calls).toBe(1);
  });

  it('releases the cross-instance lease after a refresh, so the next refresh is not stalled', async () => {
    let token = 2;
    const t = await setup(async (tokens) => ({
      kind: 'valid',
      identity: { ...t.profile, name: 'E' },
      tokens: { ...tokens, accessToken: `at-${token++}`, expiresAt: t.clock.now() + 60_000 },
    }));
    t.clock.advance(3600_000);
    expect(await t.guard.upstreamAccessToken(t.userId)).toBe('at-2');
    t.clock.advance(1_000); // nearly expired again, within the 30 s lease had it been kept
    expect(await t.guard.upstreamAccessToken(t.userId)).toBe('at-3');
    expect(t.provider.calls).toBe(2);
  });

  it('reports an identity provider outage as unavailable (a 502), not as "sign in again"', async () => {
    const t = await setup(async () => ({ kind: 'unavailable', hint: 'timeout' }));
    t.clock.advance(3600_000);
    const outage = t.guard.upstreamAccessToken(t.userId);
    await expect(outage).rejects.toBeInstanceOf(IdentityProviderUnavailable);
    expect(t.revoked).toEqual([]);
  });

  it('treats an upstream invalid_grant on refresh as terminal', async () => {
    const t = await setup(async () => ({ kind: 'refused', hint: 'invalid_grant' }));
    t.clock.advance(3600_000);
    await expect(t.guard.upstreamAccessToken(t.userId)).rejects.toThrow(/sign in again/);
    expect(t.revoked).toEqual([t.userId]);
    await expect(t.guard.upstreamAccessToken(t.userId)).rejects.toThrow(/no upstream token/);
  });

  it('the sweep re-checks users not validated recently and revokes drifted ones', async () => {
    const t = await setup(async () => ({
      kind: 'valid',
      identity: {
        idp: 'corp',
        subject: 'someone-else',
        email: 'erin@example.com',
        emailVerified: true,
        name: '',
        groups: [],
      },
      tokens: { accessToken: 'x' },
    }));
    expect((await t.guard.sweepStaleUsers(86_400_000)).checked).toBe(0);
    t.clock.advance(86_400_001);
    const result = await t.guard.sweepStaleUsers(86_400_000);
    expect(result.checked).toBeGreaterThanOrEqual(1);
    expect(t.revoked).toContain(t.userId);
    expect(t.logs.text()).toContain('"reason":"subject_changed"');
  });
});
