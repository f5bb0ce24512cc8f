import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  devLogin,
  pkcePair,
} from '../test/support/oauth-driver';

export const BENCH_REDIRECT = 'http://127.0.0.1:9/callback';

/** The config of a bench server with the dev login and the `bench` client (redirect BENCH_REDIRECT). */
export const benchClientConfig = (extra = '') => `
devLogin: { enabled: true, allowInsecureDevLogin: true }
access: { allowAnyone: true }
clients: [{ clientId: bench, clientName: Bench, redirectUris: ["${BENCH_REDIRECT}"] }]
${extra}`;

/** Authorization codes for the `bench` client, each through the real login and consent pages. */
export async function mintCodes(base: string, count: number, email = 'bench@example.com') {
  const browser = createBrowser(base);
  await devLogin(browser, email);
  const out: Array<{ code: string; verifier: string }> = [];
  for (let i = 0; i < count; i++) {
    const pkce = await pkcePair();
    const landed = await authorizeThroughPages(
      browser,
      authorizeUrl(base, {
        response_type: 'code',
        client_id: 'bench',
        redirect_uri: BENCH_REDIRECT,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      }),
    );
    out.push({ code: landed.searchParams.get('code') ?? '', verifier: pkce.verifier });
  }
  return out;
}
