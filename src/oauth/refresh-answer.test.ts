import { describe, expect, it } from 'vitest';
import { tamperBase64Url } from '../../test/support/tamper';
import { openRefreshAnswer, sealRefreshAnswer } from './refresh-answer';

const response = {
  access_token: 'gat_access',
  token_type: 'Bearer' as const,
  expires_in: 3600,
  refresh_token: 'grt_next',
  scope: 'mcp:tools',
};

describe('kept refresh answers', () => {
  it('open with the presented refresh token only, with expires_in as of now', () => {
    const sealed = sealRefreshAnswer('grt_presented', { response, accessExpiresAt: 1_000_000 + 3_600_000 });
    expect(sealed).not.toContain('gat_access');
    expect(openRefreshAnswer('grt_presented', sealed, 1_000_000 + 10_500)).toEqual({
      ...response,
      expires_in: 3589,
    });
    expect(openRefreshAnswer('grt_other', sealed, 1_000_000)).toBeUndefined();
  });

  it('refuse a tampered or malformed answer', () => {
    // Many seals, each with its own IV: a tamper that only touched padding bits would open now and then.
    for (let i = 0; i < 256; i++) {
      const sealed = sealRefreshAnswer('grt_presented', { response, accessExpiresAt: 0 });
      expect(openRefreshAnswer('grt_presented', tamperBase64Url(sealed), 0)).toBeUndefined();
    }
    expect(openRefreshAnswer('grt_presented', 'not base64url!', 0)).toBeUndefined();
    expect(openRefreshAnswer('grt_presented', '', 0)).toBeUndefined();
  });
});
