import { describe, expect, it } from 'vitest';
import { createLogger, createMemoryDestination, REDACTED, scrub } from '.';

describe('scrub', () => {
  it('replaces credential-named fields at any depth', () => {
    const out = scrub({
      headers: { authorization: 'Bearer abc', 'proxy-authorization': 'x', cookie: 'c', 'set-cookie': ['s'] },
      nested: {
        refresh_token: 'r',
        client_secret: 's',
        password: 'p',
        code: 'c',
        client_assertion: 'a',
        apiKey: 'k',
      },
      list: [{ accessToken: 't' }],
      method: 'GET',
    });
    expect(out).toEqual({
      headers: {
        authorization: REDACTED,
        'proxy-authorization': REDACTED,
        cookie: REDACTED,
        'set-cookie': REDACTED,
      },
      nested: {
        refresh_token: REDACTED,
        client_secret: REDACTED,
        password: REDACTED,
        code: REDACTED,
        client_assertion: REDACTED,
        apiKey: REDACTED,
      },
      list: [{ accessToken: REDACTED }],
      method: 'GET',
    });
  });

  it('masks bearer credentials and gateway tokens inside free text', () => {
    expect(scrub('upstream said: Authorization: Bearer eyJhbGciOi.x.y failed')).toBe(
      `upstream said: Authorization: Bearer ${REDACTED} failed`,
    );
    expect(scrub('token gth_abcdef123 rejected')).toBe(`token gth_${REDACTED} rejected`);
    for (const prefix of ['gat_', 'grt_', 'gac_', 'gcs_'])
      expect(scrub(`saw ${prefix}Zx9-_q in a message`)).toBe(`saw ${prefix}${REDACTED} in a message`);
  });

  it('scrubs errors', () => {
    const out = scrub(new Error('bad Bearer sekrit')) as { message: string };
    expect(out.message).toBe(`bad Bearer ${REDACTED}`);
  });
});

describe('createLogger', () => {
  it('writes JSON lines with secrets removed from objects and messages', () => {
    const destination = createMemoryDestination();
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      { headers: { authorization: 'Bearer s3cret-a' }, client_secret: 's3cret-b' },
      'saw Bearer s3cret-c',
    );
    logger.error({ err: new Error('boom Bearer s3cret-d') }, 'failed');
    const text = destination.text();
    expect(text).not.toMatch(/s3cret/);
    const first = JSON.parse(destination.lines[0] ?? '{}');
    expect(first.msg).toBe(`saw Bearer ${REDACTED}`);
    expect(first.headers.authorization).toBe(REDACTED);
  });

  it('masks configured secrets of no recognisable shape (the service token) wherever they appear', () => {
    const destination = createMemoryDestination();
    const service = 'svc-0123456789abcdef-unshaped';
    const logger = createLogger({ level: 'info', destination, secrets: [service, 'short'] });
    logger.warn({ note: `caller sent ${service} as a query parameter` }, `bad key ${service}`);
    logger.error({ err: new Error(`rejected ${service}`) }, 'failed');
    logger.info('a short message');
    expect(destination.text()).not.toContain(service);
    expect(destination.text()).toContain('a short message'); // too short to mask without mangling text
    expect(JSON.parse(destination.lines[0] ?? '{}').msg).toBe(`bad key ${REDACTED}`);
  });
});
