import { describe, expect, it } from 'vitest';
import { configuredCredential } from './credentials';

const entry = { name: 'Tickets' };
const noIdp = () => Promise.reject(new Error('unused'));

describe('the credential of an entry without per-user connections', () => {
  it('sends nothing for none, the shared key or every admin header from the environment', async () => {
    expect(await configuredCredential(entry, { type: 'none' }, {}, noIdp)).toEqual({ ok: true });
    expect(
      await configuredCredential(
        entry,
        { type: 'shared', header: 'authorization', valueEnv: 'KEY' },
        { KEY: 'Bearer sk_1' },
        noIdp,
      ),
    ).toEqual({ ok: true, extraHeaders: [{ name: 'authorization', value: 'Bearer sk_1' }] });
    const headers = [
      { name: 'X-Api-Key', valueEnv: 'A' },
      { name: 'X-Tenant', valueEnv: 'B' },
    ];
    expect(
      await configuredCredential(entry, { type: 'headers', headers }, { A: 'a1', B: 'b1' }, noIdp),
    ).toEqual({
      ok: true,
      extraHeaders: [
        { name: 'X-Api-Key', value: 'a1' },
        { name: 'X-Tenant', value: 'b1' },
      ],
    });
  });

  it('names the unset variable for the admin instead of sending an empty header', async () => {
    const headers = [
      { name: 'X-Api-Key', valueEnv: 'A' },
      { name: 'X-Tenant', valueEnv: 'B' },
    ];
    expect(await configuredCredential(entry, { type: 'headers', headers }, { A: 'a1' }, noIdp)).toEqual({
      ok: false,
      httpStatus: 502,
      message: 'Tickets is not configured on this Gatehouse (an admin must set B)',
    });
  });

  it("sends the user's sign-in token, or says to sign in again when there is none", async () => {
    const auth = { type: 'user-idp-token' as const, header: 'authorization' };
    expect(await configuredCredential(entry, auth, {}, async () => 'idp-token')).toEqual({
      ok: true,
      header: { name: 'authorization', value: 'Bearer idp-token' },
    });
    const refused = await configuredCredential(entry, auth, {}, () =>
      Promise.reject(new Error('no refresh token kept')),
    );
    expect(refused).toMatchObject({ ok: false, httpStatus: 401 });
    expect((refused as { message: string }).message).toContain('no refresh token kept; sign in again');
  });
});
