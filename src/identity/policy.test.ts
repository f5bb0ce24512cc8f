import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config';
import type { Identity } from './identity';
import { type AccessPolicy, evaluateAccess } from './policy';
import { resolveProvider } from './presets';

const policy = (overrides: Partial<AccessPolicy> = {}): AccessPolicy => ({
  allowAnyone: false,
  domains: [],
  emails: [],
  groups: [],
  admins: { emails: [], groups: [] },
  helpText: 'Ask IT.',
  ...overrides,
});
const person = (overrides: Partial<Identity> = {}): Identity => ({
  idp: 'corp',
  subject: 's1',
  email: 'Alice@Example.com',
  emailVerified: true,
  name: 'Alice',
  groups: [],
  ...overrides,
});
const strict = { requireEmailVerified: true };

describe('access policy', () => {
  it('admits by email domain, ignoring case on both sides', () => {
    expect(evaluateAccess(policy({ domains: ['EXAMPLE.com'] }), strict, person())).toEqual({
      admitted: true,
      admin: false,
    });
    expect(
      evaluateAccess(policy({ domains: ['example.com'] }), strict, person({ email: 'a@evil.com' })),
    ).toEqual({ admitted: false, reason: 'not_admitted' });
    // a look-alike subdomain or suffix is not the domain
    for (const email of ['a@sub.example.com', 'a@notexample.com', 'a@example.com.evil.io'])
      expect(evaluateAccess(policy({ domains: ['example.com'] }), strict, person({ email })).admitted).toBe(
        false,
      );
  });

  it('admits by address and by group, case-insensitively', () => {
    expect(evaluateAccess(policy({ emails: ['alice@EXAMPLE.COM'] }), strict, person()).admitted).toBe(true);
    expect(evaluateAccess(policy({ emails: ['bob@example.com'] }), strict, person()).admitted).toBe(false);
    expect(
      evaluateAccess(policy({ groups: ['Engineering'] }), strict, person({ groups: ['engineering'] })),
    ).toEqual({ admitted: true, admin: false });
    expect(evaluateAccess(policy({ groups: ['eng'] }), strict, person({ groups: ['sales'] })).admitted).toBe(
      false,
    );
  });

  it('requires a verified email unless the provider waives it, whatever rule would admit', () => {
    const unverified = person({ emailVerified: false });
    for (const rules of [{ allowAnyone: true }, { domains: ['example.com'] }, { groups: ['eng'] }]) {
      expect(evaluateAccess(policy(rules), strict, { ...unverified, groups: ['eng'] })).toEqual({
        admitted: false,
        reason: 'email_unverified',
      });
      expect(
        evaluateAccess(policy(rules), { requireEmailVerified: false }, { ...unverified, groups: ['eng'] })
          .admitted,
      ).toBe(true);
    }
    expect(evaluateAccess(policy({ allowAnyone: true }), strict, person({ email: '' }))).toEqual({
      admitted: false,
      reason: 'email_missing',
    });
  });

  it('names admins by email or group', () => {
    const p = policy({
      domains: ['example.com'],
      admins: { emails: ['ALICE@example.com'], groups: ['ops'] },
    });
    expect(evaluateAccess(p, strict, person())).toEqual({ admitted: true, admin: true });
    expect(evaluateAccess(p, strict, person({ email: 'bob@example.com', groups: ['OPS'] }))).toEqual({
      admitted: true,
      admin: true,
    });
    expect(evaluateAccess(p, strict, person({ email: 'carol@example.com' }))).toEqual({
      admitted: true,
      admin: false,
    });
    // being named admin does not admit someone the policy refuses
    expect(evaluateAccess(p, strict, person({ email: 'alice@other.org' })).admitted).toBe(false);
  });

  describe('Google hosted domain (hd) is an additional requirement', () => {
    const google = resolveProvider({
      id: 'google',
      type: 'google',
      clientId: 'c',
      hostedDomain: 'Example.com',
      scopes: [],
      keepTokens: false,
      groupsClaim: 'groups',
      algorithms: ['RS256'],
    });
    const cases: Array<[string, Partial<Identity>, Partial<AccessPolicy>, boolean | string]> = [
      ['hd matches, domain allowed', { hostedDomain: 'example.com' }, { domains: ['example.com'] }, true],
      ['hd differs only in case', { hostedDomain: 'EXAMPLE.COM' }, { domains: ['example.com'] }, true],
      [
        'hd matches, address allowed',
        { hostedDomain: 'example.com' },
        { emails: ['alice@example.com'] },
        true,
      ],
      ['hd matches, allowAnyone', { hostedDomain: 'example.com' }, { allowAnyone: true }, true],
      ['no hd (consumer account)', {}, { allowAnyone: true }, 'hosted_domain'],
      [
        'other hd, address listed',
        { hostedDomain: 'other.org' },
        { emails: ['alice@example.com'] },
        'hosted_domain',
      ],
      [
        'hd matches, policy refuses',
        { hostedDomain: 'example.com' },
        { domains: ['other.org'] },
        'not_admitted',
      ],
    ];
    for (const [name, who, rules, expected] of cases) {
      it(name, () => {
        const decision = evaluateAccess(policy(rules), google, person(who));
        if (expected === true) expect(decision.admitted).toBe(true);
        else expect(decision).toEqual({ admitted: false, reason: expected });
      });
    }
    it('without hostedDomain configured, hd plays no part', () => {
      const plain = { ...google, hostedDomain: undefined };
      expect(evaluateAccess(policy({ domains: ['example.com'] }), plain, person()).admitted).toBe(true);
    });
  });
});

describe('identity provider presets', () => {
  const base = {
    clientId: 'cid',
    scopes: [],
    keepTokens: false,
    groupsClaim: 'groups',
    algorithms: ['RS256' as const],
  };
  it('fill in each issuer', () => {
    expect(resolveProvider({ ...base, id: 'g', type: 'google' }).issuer).toBe('https://accounts.google.com');
    expect(resolveProvider({ ...base, id: 'e', type: 'entra', tenant: 'tid-1' }).issuer).toBe(
      'https://login.microsoftonline.com/tid-1/v2.0',
    );
    expect(
      resolveProvider({
        ...base,
        id: 'c',
        type: 'cloudflare-access',
        teamDomain: 'acme.cloudflareaccess.com',
      }).issuer,
    ).toBe('https://acme.cloudflareaccess.com/cdn-cgi/access/sso/oidc/cid');
    const github = resolveProvider({ ...base, id: 'gh', type: 'github', clientSecret: 's' });
    expect([github.protocol, github.issuer, github.apiUrl]).toEqual([
      'github',
      'https://github.com',
      'https://api.github.com',
    ]);
    expect(
      resolveProvider({ ...base, id: 'ghe', type: 'github', baseUrl: 'https://git.corp.example/' }).apiUrl,
    ).toBe('https://git.corp.example/api/v3');
  });

  it('ask for refresh tokens the way each IdP wants when tokens are kept', () => {
    const kept = { ...base, keepTokens: true };
    expect(
      resolveProvider({ ...kept, id: 'o', type: 'oidc', issuer: 'https://idp.example' }).scopes,
    ).toContain('offline_access');
    const google = resolveProvider({ ...kept, id: 'g', type: 'google', hostedDomain: 'example.com' });
    expect(google.scopes).not.toContain('offline_access');
    expect(google.authorizationParams).toEqual({
      hd: 'example.com',
      access_type: 'offline',
      prompt: 'consent',
    });
    expect(resolveProvider({ ...base, id: 'o', type: 'oidc', issuer: 'https://idp.example' }).scopes).toEqual(
      ['openid', 'email', 'profile'],
    );
  });

  it('require email_verified except where waived (Entra waives by default: it sends no such claim)', () => {
    expect(
      resolveProvider({ ...base, id: 'o', type: 'oidc', issuer: 'https://i.example' }).requireEmailVerified,
    ).toBe(true);
    expect(
      resolveProvider({
        ...base,
        id: 'o',
        type: 'oidc',
        issuer: 'https://i.example',
        allowUnverifiedEmail: true,
      }).requireEmailVerified,
    ).toBe(false);
    expect(resolveProvider({ ...base, id: 'e', type: 'entra', tenant: 't' }).requireEmailVerified).toBe(
      false,
    );
    expect(
      resolveProvider({ ...base, id: 'e', type: 'entra', tenant: 't', allowUnverifiedEmail: false })
        .requireEmailVerified,
    ).toBe(true);
    expect(resolveProvider({ ...base, id: 'g', type: 'google' }).requireEmailVerified).toBe(true);
  });
});

describe('identity configuration', () => {
  const good = {
    issuer: 'https://gatehouse.example.com',
    secret: 's'.repeat(40),
    encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 1).toString('base64') }],
  };
  const errors = (raw: object) => {
    const result = validateConfig(raw);
    return result.ok
      ? []
      : result.findings.filter((f) => f.level === 'error').map((f) => `${f.path}: ${f.message}`);
  };
  const idp = (fields: object) => ({
    ...good,
    access: { domains: ['example.com'] },
    identityProviders: [fields],
  });

  it('accepts each preset with its required fields', () => {
    for (const fields of [
      { id: 'corp', type: 'oidc', clientId: 'c', issuer: 'https://idp.example.com' },
      { id: 'google', type: 'google', clientId: 'c', hostedDomain: 'example.com' },
      { id: 'ms', type: 'entra', clientId: 'c', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
      { id: 'cf', type: 'cloudflare-access', clientId: 'c', teamDomain: 'acme.cloudflareaccess.com' },
      { id: 'gh', type: 'github', clientId: 'c', clientSecret: 'shh' },
    ])
      expect(errors(idp(fields))).toEqual([]);
  });

  it('refuses missing, misplaced and unsafe fields with the path', () => {
    expect(errors(idp({ id: 'corp', type: 'oidc', clientId: 'c' }))).toEqual([
      'identityProviders.0.issuer: is required for type oidc',
    ]);
    expect(
      errors(idp({ id: 'corp', type: 'oidc', clientId: 'c', issuer: 'http://idp.example.com' })),
    ).toEqual(['identityProviders.0.issuer: must be https unless it is loopback']);
    expect(errors(idp({ id: 'g', type: 'google', clientId: 'c', tenant: 'x' }))).toEqual([
      'identityProviders.0.tenant: is not used by type google',
    ]);
    expect(errors(idp({ id: 'ms', type: 'entra', clientId: 'c', tenant: 'common' }))[0]).toMatch(
      /^identityProviders.0.tenant/,
    );
    expect(errors(idp({ id: 'gh', type: 'github', clientId: 'c' }))[0]).toMatch(
      /GATEHOUSE_IDP_GH_CLIENT_SECRET/,
    );
    expect(errors(idp({ id: 'g', type: 'google', clientId: 'c', allowUnverifiedEmail: true }))[0]).toMatch(
      /cannot be waived/,
    );
    expect(errors(idp({ id: 'dev', type: 'oidc', clientId: 'c', issuer: 'https://i.example' }))[0]).toMatch(
      /reserved/,
    );
    expect(
      errors(
        idp({ id: 'x', type: 'oidc', clientId: 'c', issuer: 'https://i.example', algorithms: ['none'] }),
      )[0],
    ).toMatch(/^identityProviders.0.algorithms.0/);
    expect(
      errors(
        idp({ id: 'x', type: 'oidc', clientId: 'c', issuer: 'https://i.example', algorithms: ['HS256'] }),
      )[0],
    ).toMatch(/^identityProviders.0.algorithms.0/);
  });

  it('refuses a policy that admits nobody when a login method is on', () => {
    const noPolicy = {
      ...good,
      identityProviders: [{ id: 'c', type: 'oidc', clientId: 'c', issuer: 'https://i.example' }],
    };
    expect(errors(noPolicy)).toEqual([expect.stringMatching(/^access: the access policy admits nobody/)]);
    expect(errors({ ...noPolicy, access: { groups: ['eng'] } })).toEqual([]);
  });

  it('takes an IdP client secret from GATEHOUSE_IDP_<ID>_CLIENT_SECRET', async () => {
    const { applyEnvOverrides } = await import('../config');
    const raw = applyEnvOverrides(
      { identityProviders: [{ id: 'my-idp', type: 'github', clientId: 'c' }] },
      { GATEHOUSE_IDP_MY_IDP_CLIENT_SECRET: 'from-env' },
    );
    expect(raw.identityProviders).toEqual([
      { id: 'my-idp', type: 'github', clientId: 'c', clientSecret: 'from-env' },
    ]);
  });
});
