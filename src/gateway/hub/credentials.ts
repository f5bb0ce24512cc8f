import type { CatalogAuth } from '../../config/hub-schema';
import type { UpstreamCredential } from '../proxy';
import type { CatalogEntry } from './catalog';
import { reason } from './upstream-errors';

/**
 * The upstream credential of an entry that needs no per-user connection: none; admin-set headers or one
 * shared key, their values read from the environment at each request (an unset one is the admin's to fix,
 * said plainly, never a crash); or the user's token from the sign-in identity provider.
 */
export async function configuredCredential(
  entry: Pick<CatalogEntry, 'name'>,
  auth: Exclude<CatalogAuth, { type: 'oauth' }>,
  env: Readonly<Record<string, string | undefined>>,
  idpToken: () => Promise<string>,
): Promise<UpstreamCredential> {
  switch (auth.type) {
    case 'none':
      return { ok: true };
    case 'user-idp-token':
      try {
        return { ok: true, header: { name: auth.header, value: `Bearer ${await idpToken()}` } };
      } catch (error) {
        return {
          ok: false,
          httpStatus: 401,
          message: `no sign-in token to send to ${entry.name}: ${reason(error)}; sign in again`,
        };
      }
    default: {
      const pairs = auth.type === 'shared' ? [{ name: auth.header, valueEnv: auth.valueEnv }] : auth.headers;
      const missing = pairs.find((pair) => !env[pair.valueEnv]);
      if (missing)
        return {
          ok: false,
          httpStatus: 502,
          message: `${entry.name} is not configured on this Gatehouse (an admin must set ${missing.valueEnv})`,
        };
      return {
        ok: true,
        extraHeaders: pairs.map((pair) => ({ name: pair.name, value: env[pair.valueEnv] as string })),
      };
    }
  }
}
