import { describe, expect, it } from 'vitest';
import { scopesToAsk } from './connect';
import type { UpstreamServer } from './upstream-oauth';

const server = (extra: Partial<UpstreamServer> = {}, asScopes?: string[]): UpstreamServer => ({
  issuer: 'https://as.example',
  tokenEndpoint: 'https://as.example/token',
  authorizationEndpoint: 'https://as.example/authorize',
  resource: 'https://mcp.example/mcp',
  metadata: { ...(asScopes ? { scopes_supported: asScopes } : {}) } as UpstreamServer['metadata'],
  ...extra,
});

describe('the scopes a connection asks for', () => {
  it('takes the entry’s list, else the challenge’s scope, else the metadata’s, else none', () => {
    const full = server({ challengeScope: 'read write', scopesSupported: ['read', 'write', 'admin'] });
    expect(scopesToAsk(['repo'], full)).toEqual(['repo']);
    expect(scopesToAsk([], full)).toEqual(['read', 'write']);
    expect(scopesToAsk([], server({ scopesSupported: ['read', 'admin'] }))).toEqual(['read', 'admin']);
    expect(scopesToAsk([], server())).toEqual([]);
  });

  it('adds offline_access only where the authorization server offers it', () => {
    expect(scopesToAsk(['repo'], server({}, ['repo', 'offline_access']))).toEqual(['repo', 'offline_access']);
    expect(scopesToAsk(['repo', 'offline_access'], server({}, ['offline_access']))).toEqual([
      'repo',
      'offline_access',
    ]);
    expect(scopesToAsk(['repo'], server({}, ['repo']))).toEqual(['repo']);
  });
});
