import { describe, expect, it } from 'vitest';
import { sha256 } from '../crypto';
import { cacheSeconds, checkCimdUrl, nameMatchesHost, validateCimdDocument } from './cimd';
import { validateClientMetadata } from './client-metadata';
import { checkCodeChallenge, verifyCodeVerifier } from './pkce';
import { checkRedirectUriForRegistration, matchRedirectUri } from './redirect-uri';
import { audienceCovers, type ProtectedResource, resolveResource } from './resource';
import { narrowScopes, parseScope, resolveRequestedScopes } from './scope';

describe('redirect URIs', () => {
  const registered = ['https://app.example.com/cb?x=1', 'http://127.0.0.1:3000/callback', 'http://[::1]/cb'];

  it('match exactly', () => {
    expect(matchRedirectUri(registered, 'https://app.example.com/cb?x=1')).toBe(true);
  });

  it.each([
    ['changed path', 'https://app.example.com/cb2?x=1'],
    ['path prefix', 'https://app.example.com/cb/evil?x=1'],
    ['changed query', 'https://app.example.com/cb?x=2'],
    ['added query', 'https://app.example.com/cb?x=1&y=2'],
    ['fragment', 'https://app.example.com/cb?x=1#frag'],
    ['userinfo', 'https://evil@app.example.com/cb?x=1'],
    ['port on https', 'https://app.example.com:8443/cb?x=1'],
    ['other host', 'https://app.example.com.evil.com/cb?x=1'],
    ['scheme downgrade', 'http://app.example.com/cb?x=1'],
    ['loopback other path', 'http://127.0.0.1:5555/callback/x'],
    ['localhost vs 127.0.0.1', 'http://localhost:3000/callback'],
    ['loopback userinfo', 'http://user@127.0.0.1:3000/callback'],
    ['not a URL', 'not a url'],
  ])('refuse %s', (_label, uri) => {
    expect(matchRedirectUri(registered, uri)).toBe(false);
  });

  it('ignore the port of a loopback redirect (RFC 8252 §7.3), for IPv4 and IPv6', () => {
    expect(matchRedirectUri(registered, 'http://127.0.0.1:49152/callback')).toBe(true);
    expect(matchRedirectUri(registered, 'http://127.0.0.1/callback')).toBe(true);
    expect(matchRedirectUri(registered, 'http://[::1]:8080/cb')).toBe(true);
  });

  it.each([
    ['https://app.example.com/cb', true],
    ['http://127.0.0.1:8080/cb', true],
    ['http://localhost/cb', true],
    ['com.example.app:/oauth', true],
    ['http://app.example.com/cb', false],
    ['javascript:alert(1)', false],
    ['data:text/html,hi', false],
    ['https://app.example.com/cb#x', false],
    ['https://u:p@app.example.com/cb', false],
    ['myapp:/cb', true],
    ['cursor://anysphere.cursor-retrieval/oauth/user-x/callback', true],
    ['/relative', false],
  ])('registration of %s: %s', (uri, ok) => {
    expect(checkRedirectUriForRegistration(uri).ok).toBe(ok);
  });
});

describe('PKCE', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 Appendix B

  it('accepts S256 and verifies the RFC 7636 Appendix B vector', async () => {
    expect(await sha256(verifier)).toBe(challenge);
    expect(checkCodeChallenge(challenge, 'S256')).toEqual({ ok: true, challenge });
    expect(await verifyCodeVerifier(verifier, challenge)).toBe(true);
  });

  it('refuses plain, a missing method (means plain), a missing or malformed challenge', () => {
    expect(checkCodeChallenge(challenge, 'plain').ok).toBe(false);
    expect(checkCodeChallenge(challenge, undefined).ok).toBe(false);
    expect(checkCodeChallenge(undefined, 'S256').ok).toBe(false);
    expect(checkCodeChallenge('short', 'S256').ok).toBe(false);
    expect(checkCodeChallenge(`${challenge}=`, 'S256').ok).toBe(false);
  });

  it('refuses a wrong, missing or malformed verifier', async () => {
    expect(await verifyCodeVerifier(`${verifier.slice(0, -1)}Y`, challenge)).toBe(false);
    expect(await verifyCodeVerifier(undefined, challenge)).toBe(false);
    expect(await verifyCodeVerifier('short', challenge)).toBe(false);
    expect(await verifyCodeVerifier(challenge, challenge)).toBe(false); // "plain" downgrade
  });
});

describe('scopes', () => {
  it('parse, default, refuse unknown, drop offline_access', () => {
    expect(parseScope('a  b a')).toEqual(['a', 'b']);
    expect(resolveRequestedScopes([], ['a', 'b'], ['a'])).toEqual({ ok: true, scopes: ['a'] });
    expect(resolveRequestedScopes(['b', 'offline_access'], ['a', 'b'], ['a'])).toEqual({
      ok: true,
      scopes: ['b'],
    });
    expect(resolveRequestedScopes(['a', 'admin'], ['a', 'b'], ['a'])).toEqual({
      ok: false,
      unknown: ['admin'],
    });
  });

  it('narrow on refresh but never widen', () => {
    expect(narrowScopes(['a', 'b'], [])).toEqual(['a', 'b']);
    expect(narrowScopes(['a', 'b'], ['a'])).toEqual(['a']);
    expect(narrowScopes(['a'], ['a', 'b'])).toBeUndefined();
  });
});

describe('resources (RFC 8707)', () => {
  const resources: ProtectedResource[] = [
    { uri: 'https://gh.example.com/mcp', path: '/mcp', name: 'MCP', scopes: [] },
    { uri: 'https://gh.example.com/internal', path: '/internal', name: 'Internal', scopes: [] },
  ];

  it('resolve the default, exact and case-insensitive host forms; refuse others', () => {
    expect(resolveResource(undefined, resources)).toMatchObject({ ok: true, resource: { path: '/mcp' } });
    expect(resolveResource('https://gh.example.com/internal', resources)).toMatchObject({ ok: true });
    expect(resolveResource('HTTPS://GH.EXAMPLE.COM/mcp/', resources)).toMatchObject({
      ok: true,
      resource: { path: '/mcp' },
    });
    expect(resolveResource('https://gh.example.com/other', resources).ok).toBe(false);
    expect(resolveResource('https://gh.example.com/mcp#x', resources).ok).toBe(false);
    expect(resolveResource('/mcp', resources).ok).toBe(false);
    expect(resolveResource('https://evil.example.com/mcp', resources).ok).toBe(false);
  });

  it('cover paths below the audience on a segment boundary only', () => {
    expect(audienceCovers('https://gh.example.com/mcp', 'https://gh.example.com/mcp')).toBe(true);
    expect(audienceCovers('https://gh.example.com/mcp', 'https://gh.example.com/mcp/x?y=1')).toBe(true);
    expect(audienceCovers('https://gh.example.com/mcp', 'https://gh.example.com/mcp-other')).toBe(false);
    expect(audienceCovers('https://gh.example.com/mcp', 'https://gh.example.com/internal')).toBe(false);
  });
});

describe('client metadata (RFC 7591)', () => {
  it('applies the RFC 7591 defaults for omitted fields', () => {
    const dcr = validateClientMetadata({ redirect_uris: ['https://a.example.com/cb'] }, 'dcr');
    expect(dcr).toEqual({
      ok: true,
      metadata: {
        client_name: 'Unnamed client',
        redirect_uris: ['https://a.example.com/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    });
  });

  it.each([
    [{}, 'invalid_redirect_uri'],
    [{ redirect_uris: ['http://evil.example.com/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['https://a.example.com/cb'], grant_types: ['implicit'] }, 'invalid_client_metadata'],
    [
      { redirect_uris: ['https://a.example.com/cb'], grant_types: ['refresh_token'] },
      'invalid_client_metadata',
    ],
    [{ redirect_uris: ['https://a.example.com/cb'], response_types: ['token'] }, 'invalid_client_metadata'],
    [
      { redirect_uris: ['https://a.example.com/cb'], token_endpoint_auth_method: 'tls_client_auth' },
      'invalid_client_metadata',
    ],
  ])('refuses %j with %s', (raw, code) => {
    expect(validateClientMetadata(raw, 'dcr')).toMatchObject({ ok: false, code });
  });
});

describe('Client ID Metadata Documents', () => {
  const policy = { enabled: true, allowHosts: [], denyHosts: [], allowLoopbackDocuments: false };
  const id = 'https://client.example.com/oauth/metadata.json';
  const doc = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      client_id: id,
      client_name: 'Example',
      redirect_uris: ['http://127.0.0.1/cb'],
      ...extra,
    });

  it.each([
    [id, true],
    ['https://client.example.com', false],
    ['https://client.example.com/', false],
    ['http://client.example.com/m.json', false],
    ['https://user@client.example.com/m.json', false],
    ['https://client.example.com/m.json#x', false],
    ['https://client.example.com/a/../m.json', false],
    ['https://client.example.com/a/./m.json', false],
    ['https://client.example.com/a/%2e%2e/m.json', false],
    ['http://127.0.0.1:4000/m.json', false],
  ])('URL %s valid: %s', (url, ok) => {
    expect(checkCimdUrl(url, policy).ok).toBe(ok);
  });

  it('applies the switch, deny-list, allow-list with wildcards, and the loopback allowance', () => {
    expect(checkCimdUrl(id, { ...policy, enabled: false }).ok).toBe(false);
    expect(checkCimdUrl(id, { ...policy, denyHosts: ['*.example.com'] }).ok).toBe(false);
    expect(checkCimdUrl(id, { ...policy, allowHosts: ['*.example.com'] }).ok).toBe(true);
    expect(checkCimdUrl(id, { ...policy, allowHosts: ['other.example.org'] }).ok).toBe(false);
    expect(checkCimdUrl('https://example.com/m.json', { ...policy, allowHosts: ['*.example.com'] }).ok).toBe(
      false,
    );
    expect(checkCimdUrl('http://127.0.0.1:4000/m.json', { ...policy, allowLoopbackDocuments: true }).ok).toBe(
      true,
    );
  });

  it('accepts a minimal document with RFC 7591 defaults and auth method none', () => {
    expect(validateCimdDocument(doc(), id)).toMatchObject({
      ok: true,
      metadata: {
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    });
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    [
      'client_id mismatch',
      JSON.stringify({ client_id: `${id}x`, client_name: 'x', redirect_uris: ['https://a.example.com/cb'] }),
    ],
    ['no client_name', JSON.stringify({ client_id: id, redirect_uris: ['https://a.example.com/cb'] })],
    ['no redirect_uris', JSON.stringify({ client_id: id, client_name: 'x' })],
    ['a client_secret', doc({ client_secret: 'shh' })],
    ['a private JWK', doc({ jwks: { keys: [{ kty: 'EC', d: 'private' }] } })],
    ['javascript redirect', doc({ redirect_uris: ['javascript:alert(1)'] })],
    ['private_key_jwt only', doc({ token_endpoint_auth_method: 'private_key_jwt' })],
  ])('refuses %s', (_label, text) => {
    expect(validateCimdDocument(text, id).ok).toBe(false);
  });

  it('explains a private_key_jwt document without keys clearly', () => {
    expect(validateCimdDocument(doc({ token_endpoint_auth_method: 'private_key_jwt' }), id)).toMatchObject({
      reason: expect.stringMatching(/private_key_jwt needs the client keys: jwks_uri or jwks/),
    });
  });

  it('flags a name that does not match the vouching host', () => {
    expect(nameMatchesHost('Claude', 'claude.ai')).toBe(true);
    expect(nameMatchesHost('Example Tool', 'app.example.com')).toBe(true);
    expect(nameMatchesHost('Google Drive', 'evil.example.com')).toBe(false);
    expect(nameMatchesHost('Local tool', 'localhost:4000')).toBe(false);
  });

  it('caches by Cache-Control, capped', () => {
    expect(cacheSeconds('max-age=60', 604800)).toBe(60);
    expect(cacheSeconds('public, max-age=99999999', 604800)).toBe(604800);
    expect(cacheSeconds('no-store', 604800)).toBe(0);
    expect(cacheSeconds(undefined, 604800)).toBe(300);
  });
});
