import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/databases';
import { listTools } from '../support/mcp-call';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';
import { REDIRECT, startCluster } from './cluster';

describe.skipIf(!postgresUrl)('three gatehouse serve processes on one PostgreSQL', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a code from one is redeemed at another, refreshed at a third; a revocation at one holds at the others', async () => {
    const [a, b, c] = cluster.instances;
    if (!a || !b || !c) throw new Error('cluster not started');
    const pkce = await pkcePair();
    const landed = await authorizeThroughPages(
      createBrowser(a.url),
      authorizeUrl(a.url, {
        response_type: 'code',
        client_id: 'cli',
        redirect_uri: REDIRECT,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(landed.searchParams.get('iss')).toBe(cluster.issuer);
    const form = {
      grant_type: 'authorization_code',
      client_id: 'cli',
      code: landed.searchParams.get('code') ?? '',
      code_verifier: pkce.verifier,
      redirect_uri: REDIRECT,
    };
    const issued = await tokenRequest(b.url, form);
    expect(issued.status).toBe(200);
    expect((await listTools(c.url, issued.body.access_token ?? '')).status).toBe(200);
    // The code, replayed at a third instance, is refused and ends what it produced.
    expect((await tokenRequest(c.url, form)).body.error).toBe('invalid_grant');

    const second = await (async () => {
      const again = await pkcePair();
      const back = await authorizeThroughPages(
        createBrowser(a.url),
        authorizeUrl(a.url, {
          response_type: 'code',
          client_id: 'cli',
          redirect_uri: REDIRECT,
          code_challenge: again.challenge,
          code_challenge_method: 'S256',
        }),
      );
      return tokenRequest(b.url, {
        ...form,
        code: back.searchParams.get('code') ?? '',
        code_verifier: again.verifier,
      });
    })();
    const refreshed = await tokenRequest(c.url, {
      grant_type: 'refresh_token',
      client_id: 'cli',
      refresh_token: second.body.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    for (const instance of [a, b, c])
      expect((await listTools(instance.url, refreshed.body.access_token ?? '')).status).toBe(200);

    const revoked = await fetch(`${a.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'cli', token: refreshed.body.refresh_token ?? '' }),
    });
    expect(revoked.status).toBe(200);
    expect((await listTools(a.url, refreshed.body.access_token ?? '')).status).toBe(401); // at once where revoked
    await new Promise((wait) => setTimeout(wait, 1_100)); // the documented cache bound (1 s here)
    for (const instance of [b, c])
      expect((await listTools(instance.url, refreshed.body.access_token ?? '')).status).toBe(401);
  });
});
