import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, isPlaceholder, loadConfig, parseKeyList, validateConfig } from '.';

const KEY = Buffer.alloc(32, 7).toString('base64');
const good = {
  issuer: 'https://gatehouse.example.com',
  secret: 'a-long-random-secret-with-at-least-32-chars',
  encryptionKeys: [{ id: 'k1', key: KEY }],
};

function errorsOf(raw: unknown) {
  const result = validateConfig(raw);
  return result.findings.filter((f) => f.level === 'error').map((f) => `${f.path}: ${f.message}`);
}

describe('validateConfig', () => {
  it('accepts a complete production config and fills defaults', () => {
    const result = validateConfig(good);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.mode).toBe('production');
    expect(result.config.http.bodyLimitBytes).toBe(65536);
    expect(result.config.devLogin.enabled).toBe(false);
    expect(result.config.database.url).toBe('sqlite:./.gatehouse/gatehouse.db');
  });

  it('names every missing secret by its path', () => {
    expect(errorsOf({ issuer: good.issuer })).toEqual([
      'secret: is required: a string (or GATEHOUSE_SECRET)',
      'encryptionKeys: is required: a list of {id, key} (or GATEHOUSE_ENCRYPTION_KEYS=id:key)',
    ]);
  });

  it('names the field and what is expected for wrong types and unknown fields', () => {
    expect(errorsOf({ ...good, listen: { port: 'eighty' } })).toEqual([
      'listen.port: Invalid input: expected number, received string',
    ]);
    expect(errorsOf({ ...good, bogus: 1 })[0]).toMatch(/bogus/);
  });

  it.each([
    ['changeme'],
    ['CHANGE-ME-please'],
    ['PLACEHOLDER_SECRET'],
    ['<your secret here>'],
    ['xxx'],
    ['XXXXXXXX'],
  ])('refuses the placeholder %s wherever it appears', (value) => {
    expect(isPlaceholder(value)).toBe(true);
    expect(errorsOf({ ...good, secret: value })).toContain('secret: is a placeholder value; set a real one');
    expect(errorsOf({ ...good, encryptionKeys: [{ id: 'k1', key: value }] })).toContain(
      'encryptionKeys.0.key: is a placeholder value; set a real one',
    );
  });

  it('does not flag real values that merely contain x', () => {
    expect(isPlaceholder('xoxb-real-token')).toBe(false);
    expect(isPlaceholder('https://exchange.example.com')).toBe(false);
  });

  it('refuses weak secrets and keys not of 32 bytes', () => {
    expect(errorsOf({ ...good, secret: 'short' })).toEqual([
      'secret: must be at least 32 characters of random text',
    ]);
    expect(
      errorsOf({ ...good, encryptionKeys: [{ id: 'k1', key: Buffer.alloc(16).toString('base64') }] }),
    ).toEqual(['encryptionKeys.0.key: must decode to 32 bytes (AES-256); got 16']);
    expect(errorsOf({ ...good, encryptionKeys: [{ id: 'k1', key: 'not base64!' }] })).toEqual([
      'encryptionKeys.0.key: must be base64 or base64url',
    ]);
    expect(
      errorsOf({
        ...good,
        encryptionKeys: [
          { id: 'k1', key: KEY },
          { id: 'k1', key: KEY },
        ],
      }),
    ).toEqual(['encryptionKeys: key ids must be unique']);
  });

  it('refuses an http issuer unless it is loopback', () => {
    expect(errorsOf({ ...good, issuer: 'http://gatehouse.example.com' })[0]).toMatch(
      /^issuer: must be https/,
    );
    expect(errorsOf({ ...good, issuer: 'http://10.0.0.5:8787' })[0]).toMatch(/^issuer: must be https/);
    for (const issuer of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) {
      expect(errorsOf({ ...good, issuer })).toEqual([]);
    }
    expect(errorsOf({ ...good, issuer: 'https://x.example.com/?a=1' })[0]).toMatch(/query or fragment/);
  });

  it('refuses the dev login in production without the explicit opt-in', () => {
    const anyone = { allowAnyone: true };
    expect(errorsOf({ ...good, access: anyone, devLogin: { enabled: true } })).toEqual([
      expect.stringMatching(/^devLogin.enabled: the development login/),
    ]);
    const optedIn = validateConfig({
      ...good,
      access: anyone,
      devLogin: { enabled: true, allowInsecureDevLogin: true },
    });
    expect(optedIn.ok).toBe(true);
    expect(optedIn.findings).toEqual([
      expect.objectContaining({ level: 'warning', path: 'devLogin' }),
      // the default endpoint serves the demo: fine in dev, worth a warning in production
      expect.objectContaining({ level: 'warning', path: 'resources.0.upstream' }),
    ]);
    expect(
      validateConfig({
        ...good,
        mode: 'dev',
        access: anyone,
        issuer: 'http://127.0.0.1:1',
        devLogin: { enabled: true },
      }).ok,
    ).toBe(true);
  });

  it('reports schema errors and placeholders together', () => {
    expect(errorsOf({ issuer: good.issuer, secret: 'changeme', listen: { port: -1 } })).toEqual([
      'secret: is a placeholder value; set a real one',
      'listen.port: Too small: expected number to be >=0',
      'encryptionKeys: is required: a list of {id, key} (or GATEHOUSE_ENCRYPTION_KEYS=id:key)',
    ]);
  });
});

describe('environment overrides', () => {
  it('fill secrets and database from the environment, over the file', () => {
    const raw = applyEnvOverrides(
      { issuer: good.issuer, database: { url: 'sqlite:x.db', poolSize: 3 } },
      {
        GATEHOUSE_SECRET: good.secret,
        GATEHOUSE_ENCRYPTION_KEYS: `new:${KEY},old:${KEY}`,
        GATEHOUSE_DATABASE_URL: 'postgres://db.internal/gatehouse',
        GATEHOUSE_PORT: '9000',
      },
    );
    const result = validateConfig(raw);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.secret).toBe(good.secret);
    expect(result.config.encryptionKeys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(result.config.database).toEqual({ url: 'postgres://db.internal/gatehouse', poolSize: 3 });
    expect(result.config.listen.port).toBe(9000);
  });

  it('parseKeyList reads id:key pairs, a bare key gets the id "env"', () => {
    expect(parseKeyList('a:AAA, b:BBB')).toEqual([
      { id: 'a', key: 'AAA' },
      { id: 'b', key: 'BBB' },
    ]);
    expect(parseKeyList('AAA')).toEqual([{ id: 'env', key: 'AAA' }]);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));

  it('reads YAML and JSON files', async () => {
    const yamlPath = join(dir, 'c.yaml');
    writeFileSync(
      yamlPath,
      `issuer: ${good.issuer}\nsecret: ${good.secret}\nencryptionKeys:\n  - id: k1\n    key: ${KEY}\n`,
    );
    expect((await loadConfig(yamlPath, {})).ok).toBe(true);
    const jsonPath = join(dir, 'c.json');
    writeFileSync(jsonPath, JSON.stringify(good));
    expect((await loadConfig(jsonPath, {})).ok).toBe(true);
  });

  it('warns about hub secrets the environment lacks, naming the variable', async () => {
    const path = join(dir, 'hub.json');
    writeFileSync(
      path,
      JSON.stringify({
        ...good,
        hub: {
          enabled: true,
          catalog: [
            {
              slug: 'a',
              name: 'A',
              url: 'https://a.example.com/mcp',
              auth: { type: 'shared', valueEnv: 'A_KEY' },
            },
            {
              slug: 'b',
              name: 'B',
              url: 'https://b.example.com/mcp',
              auth: { type: 'headers', headers: [{ name: 'X-K', valueEnv: 'B_KEY' }] },
            },
            {
              slug: 'c',
              name: 'C',
              url: 'https://c.example.com/mcp',
              auth: { type: 'oauth', client: { clientId: 'c', clientSecretEnv: 'C_SECRET' } },
            },
          ],
        },
      }),
    );
    const result = await loadConfig(path, { B_KEY: 'set' });
    expect(result.ok).toBe(true);
    expect(
      result.findings.filter((f) => f.path.startsWith('hub.')).map((f) => `${f.path}: ${f.message}`),
    ).toEqual([
      'hub.catalog.0.auth.valueEnv: the environment variable A_KEY is not set: A cannot be reached until it is',
      'hub.catalog.2.auth.client.clientSecretEnv: the environment variable C_SECRET is not set: C cannot be reached until it is',
    ]);
  });

  it('turns unreadable or malformed files into findings', async () => {
    const missing = await loadConfig(join(dir, 'missing.yaml'), {});
    expect(missing.findings[0]).toMatchObject({
      path: '(file)',
      message: `the configuration file ${join(dir, 'missing.yaml')} does not exist (gatehouse dev needs none)`,
    });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"issuer": ');
    expect((await loadConfig(broken, {})).findings[0]?.path).toBe('(file)');
    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- a\n- b\n');
    expect((await loadConfig(list, {})).findings[0]?.message).toMatch(/mapping/);
  });
});

describe('the README configuration example', () => {
  it('is a valid configuration once its secrets come from the environment', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { applyEnvOverrides } = await import('./load');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n(# gatehouse\.yaml[\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const raw = applyEnvOverrides(parse(block ?? '') as Record<string, unknown>, {
      GATEHOUSE_SECRET: 's'.repeat(48),
      GATEHOUSE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
      GATEHOUSE_IDP_GOOGLE_CLIENT_SECRET: 'from-the-console',
      TEAM_API_KEY: 'Bearer sk_team_from_the_vault',
    });
    const result = validateConfig(raw);
    expect(result.ok ? [] : result.findings).toEqual([]);
    expect(result.ok && result.config.identityProviders[0]?.clientSecret).toBe('from-the-console');
    expect(result.ok && result.config.resources[0]?.credential.value).toBe('Bearer sk_team_from_the_vault');
  });
});

describe('endpoint credentials configuration', () => {
  const base = {
    issuer: 'https://gatehouse.example.com',
    secret: 's'.repeat(40),
    encryptionKeys: [{ id: 'k1', key: Buffer.alloc(32, 1).toString('base64') }],
  };
  const withService = (serviceToken: object) => ({
    ...base,
    resources: [{ path: '/internal', scopes: [{ name: 'r', description: 'r' }], auth: ['service'] }],
    serviceToken,
  });
  const errors = (raw: object) => {
    const result = validateConfig(raw);
    return result.ok
      ? []
      : result.findings.filter((f) => f.level === 'error').map((f) => `${f.path}: ${f.message}`);
  };

  it('requires a strong service token where an endpoint accepts it', () => {
    expect(errors(withService({}))[0]).toMatch(/^serviceToken.token: is required/);
    expect(errors(withService({ token: 'short' }))[0]).toMatch(/at least 32 characters/);
    expect(errors(withService({ token: 'k7'.repeat(20) }))).toEqual([]);
    expect(
      errors({
        ...base,
        resources: [{ path: '/m', scopes: [{ name: 'r', description: 'r' }], auth: ['magic'] }],
      })[0],
    ).toMatch(/^resources.0.auth.0/);
  });

  const endpoint = (fields: Record<string, unknown>) =>
    errors({
      ...base,
      resources: [
        {
          path: '/m',
          scopes: [
            { name: 'r', description: 'read' },
            { name: 'w', description: 'write', default: false },
          ],
          upstream: { url: 'https://api.example.com/mcp' },
          ...fields,
        },
      ],
    });

  it('keeps byok exclusive and passthrough for byok only', () => {
    const passthrough = { mode: 'passthrough' };
    expect(endpoint({ auth: ['byok'], scopes: [], credential: passthrough })).toEqual([]);
    expect(endpoint({ auth: ['byok', 'oauth'], credential: passthrough })).toEqual([
      expect.stringMatching(/^resources.0.auth: byok is exclusive/),
    ]);
    expect(endpoint({ auth: ['byok'], scopes: [] })).toEqual([
      'resources.0.credential.mode: must be passthrough when auth is byok',
    ]);
    expect(endpoint({ credential: passthrough })).toEqual([
      expect.stringMatching(/^resources.0.credential.mode: passthrough needs auth \[byok\]/),
    ]);
    expect(endpoint({ scopes: [] })).toEqual([
      'resources.0.scopes: an OAuth-protected endpoint needs at least one scope',
    ]);
  });

  it('requires a shared value (from the file or the environment) and declared scopes', () => {
    expect(endpoint({ credential: { mode: 'shared' } })).toEqual([
      expect.stringMatching(/^resources.0.credential.value: is required/),
    ]);
    expect(endpoint({ credential: { mode: 'shared', valueEnv: 'TEAM_KEY' } })).toEqual([
      'resources.0.credential.value: is required: the environment variable TEAM_KEY is not set',
    ]);
    const fromEnv = applyEnvOverrides(
      {
        ...base,
        resources: [
          {
            path: '/m',
            scopes: [{ name: 'r', description: 'r' }],
            credential: { mode: 'shared', valueEnv: 'TEAM_KEY' },
          },
        ],
      },
      { TEAM_KEY: 'Bearer team-key-from-env' },
    );
    const result = validateConfig(fromEnv);
    expect(result.ok && result.config.resources[0]?.credential.value).toBe('Bearer team-key-from-env');
    expect(endpoint({ toolScopes: { 'notes.add': ['admin'] } })).toEqual([
      'resources.0.toolScopes: names scope "admin", which the endpoint does not declare',
    ]);
    expect(endpoint({ requiredScopes: ['r'], toolScopes: { 'notes.add': ['w'] } })).toEqual([]);
    expect(
      endpoint({
        upstream: { url: 'http://api.example.com/mcp' },
        credential: { mode: 'shared', value: 'k' },
      }),
    ).toEqual(['resources.0.upstream.url: credentials would travel in clear text; use https']);
  });

  it('needs kept IdP tokens for user-upstream-token and refuses per-caller credentials over stdio', () => {
    expect(endpoint({ credential: { mode: 'user-upstream-token' } })).toEqual([
      'resources.0.credential.mode: user-upstream-token needs an identity provider with keepTokens: true',
    ]);
    expect(
      endpoint({
        upstream: { command: 'node', args: ['server.js'] },
        credential: { mode: 'shared', value: 'k' },
      }),
    ).toEqual([
      'resources.0.credential.mode: a stdio upstream takes none: give the child its secrets in upstream.env',
    ]);
    expect(endpoint({ upstream: { url: 'ftp://api.example.com/' } })[0]).toMatch(/^resources.0.upstream/);
  });

  it('takes the service token from GATEHOUSE_SERVICE_TOKEN and warns when nothing accepts it', async () => {
    const { applyEnvOverrides } = await import('./load');
    const raw = applyEnvOverrides({ ...base }, { GATEHOUSE_SERVICE_TOKEN: 't'.repeat(40) });
    const result = validateConfig(raw);
    expect(result.ok).toBe(true);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ level: 'warning', path: 'serviceToken' }),
    );
  });

  it('checks pre-registered clients: secrets for secret methods, keys for private_key_jwt, safe redirects', () => {
    const client = { clientId: 'c', clientName: 'C', redirectUris: ['https://app.example.com/cb'] };
    const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
    expect(
      errorsOf({ ...good, clients: [{ ...client, tokenEndpointAuthMethod: 'private_key_jwt' }] }),
    ).toEqual([
      'clients.0.jwks: private_key_jwt needs the client public keys: jwks or jwksUri (one of them)',
    ]);
    expect(
      errorsOf({ ...good, clients: [{ ...client, tokenEndpointAuthMethod: 'private_key_jwt', jwks }] }),
    ).toEqual([]);
    expect(errorsOf({ ...good, clients: [{ ...client, jwks }] })).toEqual([
      'clients.0.jwks: is used only with private_key_jwt',
    ]);
    expect(
      errorsOf({
        ...good,
        clients: [
          {
            ...client,
            tokenEndpointAuthMethod: 'private_key_jwt',
            jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
          },
        ],
      }),
    ).toEqual(['clients.0: jwks publishes private or symmetric key material']);
    expect(errorsOf({ ...good, clients: [{ ...client, redirectUris: ['javascript:alert(1)'] }] })).toEqual([
      'clients.0: redirect URI javascript:alert(1) the javascript: scheme is not allowed',
    ]);
  });

  it('keeps personal access token lifetimes consistent', () => {
    expect(
      errors({ ...base, personalAccessTokens: { defaultLifetimeDays: 100, maxLifetimeDays: 90 } })[0],
    ).toMatch(/must not exceed maxLifetimeDays/);
    expect(errors({ ...base, personalAccessTokens: { enabled: false } })[0]).toMatch(
      /^resources.0.auth: lists pat/,
    );
  });
});

describe('hub configuration', () => {
  const hubErrors = (hub: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    errorsOf({ ...good, ...extra, hub: { enabled: true, ...hub } });
  const entry = (slug: string, fields: Record<string, unknown> = {}) => ({
    slug,
    name: slug,
    url: `https://${slug}.example.com/mcp`,
    ...fields,
  });

  it('accepts a catalog of OAuth and header upstreams', () => {
    expect(
      hubErrors({
        catalog: [
          entry('github', {
            auth: {
              type: 'oauth',
              scopes: ['repo'],
              templates: [{ name: 'read-only', description: 'Read', scopes: ['repo:read'] }],
            },
          }),
          entry('internal', {
            auth: { type: 'headers', headers: [{ name: 'X-Api-Key', valueEnv: 'INTERNAL_KEY' }] },
          }),
        ],
      }),
    ).toEqual([]);
  });

  it('names slug and prefix collisions, bad URLs and a path taken by an endpoint', () => {
    expect(
      hubErrors({
        path: '/mcp',
        catalog: [
          entry('a'),
          entry('a'),
          entry('b', { toolPrefix: 'a' }),
          entry('c', { url: 'http://c.example.com/mcp' }),
        ],
      }),
    ).toEqual([
      'hub.path: /mcp is already the path of an endpoint in resources',
      'hub.catalog.1.slug: "a" is also the slug of hub.catalog.0',
      'hub.catalog.1.toolPrefix: "a" is also the tool prefix of hub.catalog.0',
      'hub.catalog.2.toolPrefix: "a" is also the tool prefix of hub.catalog.1',
      'hub.catalog.3.url: the URL must be https',
    ]);
  });

  it('takes a url or a stdio command, exactly one; a stdio server takes auth none', () => {
    const stdio = { command: 'npx', args: ['-y', 'some-mcp-server'] };
    expect(hubErrors({ catalog: [{ slug: 'local', name: 'Local', stdio }] })).toEqual([]);
    expect(
      hubErrors({ catalog: [{ slug: 'both', name: 'Both', url: 'https://x.example.com/mcp', stdio }] }),
    ).toEqual(['hub.catalog.0: give either url or stdio (exactly one)']);
    expect(hubErrors({ catalog: [{ slug: 'none', name: 'Neither' }] })).toEqual([
      'hub.catalog.0: give either url or stdio (exactly one)',
    ]);
    expect(
      hubErrors({
        catalog: [{ slug: 'keyed', name: 'Keyed', stdio, auth: { type: 'shared', valueEnv: 'K' } }],
      }),
    ).toEqual(['hub.catalog.0: a stdio server takes auth none: give the child its secrets in stdio.env']);
  });

  it('refuses a user-idp-token entry without an identity provider that keeps tokens, and unknown auth types', () => {
    expect(hubErrors({ catalog: [entry('x', { auth: { type: 'user-idp-token' } })] })).toEqual([
      'hub.catalog.0.auth: user-idp-token needs an identity provider with keepTokens: true',
    ]);
    expect(hubErrors({ catalog: [entry('x', { auth: { type: 'magic' } })] })[0]).toMatch(
      /^hub.catalog.0.auth.type/,
    );
  });
});
