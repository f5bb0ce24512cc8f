import { describe, expect, it } from 'vitest';
import { afterLogin, localPath } from './web-session';

describe('the page to return to after signing in', () => {
  it('keeps a local path with its query', () => {
    expect(localPath('/hub/connections')).toBe('/hub/connections');
    expect(localPath('/admin/audit?event=login.failed&user=a%40b')).toBe(
      '/admin/audit?event=login.failed&user=a%40b',
    );
    expect(afterLogin(undefined, '/account/tokens')).toBe('/account/tokens');
  });

  it('refuses anything that could leave the site, and falls back to home', () => {
    for (const hostile of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      '/\\/evil.example',
      'javascript:alert(1)',
      '/ spaced',
      '/line\nbreak',
      `/${'a'.repeat(2001)}`,
      '',
      42,
      undefined,
    ]) {
      expect(localPath(hostile)).toBeUndefined();
      expect(afterLogin(undefined, hostile)).toBe('/');
    }
  });

  it('an authorization in progress wins over the page asked for', () => {
    expect(afterLogin('a'.repeat(22), '/account/tokens')).toBe(`/oauth/consent?authz=${'a'.repeat(22)}`);
  });
});
