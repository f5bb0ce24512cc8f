import { describe, expect, it } from 'vitest';
import { checkCimdUrl, validateCimdDocument } from './cimd';
import { clientAuthMethods, validateClientMetadata } from './client-metadata';
import { checkRedirectUriForRegistration, isNativeRedirect, MAX_REDIRECT_URIS } from './redirect-uri';
import { narrowScopes, resolveRequestedScopes } from './scope';

const CB = 'https://app.example.com/cb';
const JWKS_URI = 'https://app.example.com/jwks.json';
const RSA_PUBLIC = { kty: 'RSA', n: 'sXch', e: 'AQAB', kid: 'k1' };

describe('client metadata: replace what Gatehouse does not support (RFC 7591 §2)', () => {
  it("keeps the supported grant types of claude.ai's document and drops the jwt-bearer grant", () => {
    const check = validateClientMetadata(
      {
        redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
        client_name: 'Claude',
        grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      'cimd',
    );
    expect(check).toMatchObject({
      ok: true,
      metadata: { grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
    });
  });

  it('drops unknown response types and ignores unknown or malformed optional fields', () => {
    const check = validateClientMetadata(
      {
        redirect_uris: [CB],
        response_types: ['code', 'code id_token'],
        client_uri: 'javascript:alert(1)',
        logo_uri: 42,
        scope: ['not', 'a', 'string'],
        software_statement: 'eyJ…',
        tos_uri: 'https://app.example.com/tos',
        token_endpoint_auth_method: 'none',
      },
      'dcr',
    );
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.metadata.response_types).toEqual(['code']);
    expect(check.metadata).not.toHaveProperty('client_uri');
    expect(check.metadata).not.toHaveProperty('logo_uri');
    expect(check.metadata).not.toHaveProperty('scope');
    expect(check.metadata).not.toHaveProperty('software_statement');
  });

  it.each([
    [{ grant_types: ['refresh_token', 'client_credentials'] }, /must include authorization_code/],
    [{ response_types: ['token'] }, /must include code/],
    [{ grant_types: 'authorization_code' }, /grant_types must be an array/],
    [{ token_endpoint_auth_method: 'client_secret_jwt' }, /client_secret_jwt is not supported/],
    [{ token_endpoint_auth_method: 7 }, /must be a string/],
  ])('refuses %j', (extra, reason) => {
    expect(validateClientMetadata({ redirect_uris: [CB], ...extra }, 'dcr')).toMatchObject({
      ok: false,
      code: 'invalid_client_metadata',
      reason: expect.stringMatching(reason),
    });
  });

  it('caps the number of redirect URIs and their length (anonymous registration)', () => {
    const many = Array.from({ length: MAX_REDIRECT_URIS + 1 }, (_, i) => `https://app.example.com/cb${i}`);
    expect(validateClientMetadata({ redirect_uris: many }, 'dcr')).toMatchObject({
      code: 'invalid_redirect_uri',
    });
    const long = `https://app.example.com/${'a'.repeat(2100)}`;
    expect(validateClientMetadata({ redirect_uris: [long] }, 'dcr')).toMatchObject({
      code: 'invalid_redirect_uri',
      reason: expect.stringMatching(/longer than/),
    });
  });
});

describe('client metadata: private_key_jwt (RFC 7523)', () => {
  const chatgpt = {
    client_id: 'https://chatgpt.example/oauth/abc/client.json',
    client_name: 'ChatGPT',
    redirect_uris: ['https://chatgpt.com/connector/oauth/abc'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256',
    jwks_uri: JWKS_URI,
  };

  it("accepts ChatGPT's document, keeping its key location and algorithm", () => {
    const check = validateCimdDocument(JSON.stringify(chatgpt), chatgpt.client_id);
    expect(check).toMatchObject({
      ok: true,
      metadata: {
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        jwks_uri: JWKS_URI,
      },
    });
    if (check.ok) expect(clientAuthMethods(check.metadata)).toEqual(['private_key_jwt']);
  });

  it('lets a document that offers both methods use either', () => {
    const both = { ...chatgpt, token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'] };
    const check = validateCimdDocument(JSON.stringify(both), chatgpt.client_id);
    expect(check.ok).toBe(true);
    if (check.ok) expect(clientAuthMethods(check.metadata)).toEqual(['private_key_jwt', 'none']);
  });

  it('falls back to a listed method Gatehouse supports when the declared one is not (secrets in a document)', () => {
    const doc = {
      ...chatgpt,
      token_endpoint_auth_method: 'client_secret_basic',
      token_endpoint_auth_methods_supported: ['none'],
    };
    const check = validateCimdDocument(JSON.stringify(doc), chatgpt.client_id);
    expect(check).toMatchObject({ ok: true, metadata: { token_endpoint_auth_method: 'none' } });
  });

  it('drops private_key_jwt offered beside none when the document has no keys', () => {
    const { jwks_uri: _gone, ...doc } = {
      ...chatgpt,
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
    };
    const check = validateCimdDocument(JSON.stringify(doc), chatgpt.client_id);
    expect(check.ok).toBe(true);
    if (check.ok) {
      expect(clientAuthMethods(check.metadata)).toEqual(['none']);
      expect(check.metadata).not.toHaveProperty('token_endpoint_auth_signing_alg');
    }
  });

  it.each([
    ['HS256', { token_endpoint_auth_signing_alg: 'HS256' }, /asymmetric algorithms only/],
    ['none', { token_endpoint_auth_signing_alg: 'none' }, /asymmetric algorithms only/],
    ['http jwks_uri', { jwks_uri: 'http://app.example.com/jwks.json' }, /jwks_uri must be an https URL/],
    ['both key sources', { jwks: { keys: [RSA_PUBLIC] } }, /must not both be present/],
    [
      'a private key',
      { jwks_uri: undefined, jwks: { keys: [{ ...RSA_PUBLIC, d: 'secret' }] } },
      /private or symmetric/,
    ],
    [
      'a symmetric key',
      { jwks_uri: undefined, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      /private or symmetric/,
    ],
    ['an empty key set', { jwks_uri: undefined, jwks: { keys: [] } }, /1 to 20 keys/],
  ])('refuses %s', (_label, extra, reason) => {
    const doc = JSON.parse(JSON.stringify({ ...chatgpt, ...extra }));
    expect(validateCimdDocument(JSON.stringify(doc), chatgpt.client_id)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(reason),
    });
  });

  it('registers a DCR client with inline keys and no secret method', () => {
    const check = validateClientMetadata(
      { redirect_uris: [CB], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [RSA_PUBLIC] } },
      'dcr',
    );
    expect(check).toMatchObject({ ok: true, metadata: { jwks: { keys: [RSA_PUBLIC] } } });
  });
});

describe('private-use redirect schemes (RFC 8252 §7.1)', () => {
  it.each([
    ['cursor://anysphere.cursor-retrieval/oauth/user-github/callback', true],
    ['Cursor://anysphere.cursor-retrieval/cb', true], // schemes are case-insensitive
    ['com.example.app:/oauth', true],
    ['vscode://vscode.github-authentication/did-authenticate', true],
    ['javascript:alert(1)', false],
    ['JavaScript://%0aalert(1)', false],
    ['data:text/html,<script>x</script>', false],
    ['file:///etc/passwd', false],
    ['https-x://evil.example.com/cb', false],
    ['http.evil://cb', false],
    ['chrome-extension://abc/cb', false],
    ['cursor://app/cb#frag', false],
    ['cursor://user:pw@app/cb', false],
    ['cursor://app/c b', false],
  ])('%s: %s under the default policy (any)', (uri, ok) => {
    expect(checkRedirectUriForRegistration(uri).ok).toBe(ok);
  });

  it('honours the operator switch: reverse-DNS only, or none', () => {
    expect(checkRedirectUriForRegistration('cursor://app/cb', 'reverse-dns').ok).toBe(false);
    expect(checkRedirectUriForRegistration('com.example.app:/cb', 'reverse-dns').ok).toBe(true);
    expect(checkRedirectUriForRegistration('com.example.app:/cb', 'none').ok).toBe(false);
    expect(checkRedirectUriForRegistration('https://app.example.com/cb', 'none').ok).toBe(true);
  });

  it('calls loopback and app-link redirects native (the consent page warns)', () => {
    expect(isNativeRedirect('cursor://anysphere.cursor-retrieval/cb')).toBe(true);
    expect(isNativeRedirect('http://127.0.0.1:33418/')).toBe(true);
    expect(isNativeRedirect('https://vscode.dev/redirect')).toBe(false);
  });
});

describe('scopes clients add that Gatehouse ignores', () => {
  const offered = ['mcp:tools', 'mcp:write'];
  it('grants the defaults for offline_access alone (claude.ai) and for the OpenID scopes', () => {
    expect(resolveRequestedScopes(['offline_access'], offered, ['mcp:tools'])).toEqual({
      ok: true,
      scopes: ['mcp:tools'],
    });
    expect(
      resolveRequestedScopes(['openid', 'profile', 'email', 'offline_access'], offered, ['mcp:tools']),
    ).toEqual({
      ok: true,
      scopes: ['mcp:tools'],
    });
    expect(resolveRequestedScopes(['openid', 'mcp:write'], offered, ['mcp:tools'])).toEqual({
      ok: true,
      scopes: ['mcp:write'],
    });
  });

  it('keeps a scope a resource offers under one of those names', () => {
    expect(resolveRequestedScopes(['email'], ['email'], [])).toEqual({ ok: true, scopes: ['email'] });
  });

  it('ignores offline_access at refresh (Codex sends the scope it asked for at authorize)', () => {
    expect(narrowScopes(['mcp:tools'], ['mcp:tools', 'offline_access'])).toEqual(['mcp:tools']);
    expect(narrowScopes(['mcp:tools', 'mcp:write'], ['offline_access'])).toEqual(['mcp:tools', 'mcp:write']);
    expect(narrowScopes(['mcp:tools'], ['mcp:write', 'offline_access'])).toBeUndefined();
  });
});

describe('client names and hosts as the consent page shows them', () => {
  it('drop control and bidirectional-override characters from a client name', () => {
    const check = validateClientMetadata(
      {
        redirect_uris: [CB],
        client_name: 'Evil \u202Emoc.elgoog\u202C Tool\u0007',
        token_endpoint_auth_method: 'none',
      },
      'dcr',
    );
    expect(check).toMatchObject({ ok: true, metadata: { client_name: 'Evil moc.elgoog Tool' } });
  });

  it('match CIMD deny-lists on the canonical host: a trailing dot does not bypass them', () => {
    const policy = {
      enabled: true,
      allowHosts: [],
      denyHosts: ['denied.test'],
      allowLoopbackDocuments: false,
    };
    expect(checkCimdUrl('https://denied.test./client.json', policy).ok).toBe(false);
    expect(checkCimdUrl('https://DENIED.test../client.json', policy).ok).toBe(false);
    const allow = { ...policy, denyHosts: [], allowHosts: ['*.allowed.test'] };
    expect(checkCimdUrl('https://app.allowed.test./client.json', allow).ok).toBe(true);
  });
});
