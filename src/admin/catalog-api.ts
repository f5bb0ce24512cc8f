import { type Context, Hono } from 'hono';
import type { Hub } from '../gateway/hub';
import { CatalogError } from '../gateway/hub/catalog';
import type { CatalogRecord } from '../gateway/hub/store';
import type { AppEnv } from '../http';
import { csrfToken, verifyCsrfToken } from '../identity/csrf';
import type { IdentityDeps } from '../identity/web-session';
import type { PatDeps } from '../resource/pat';
import { adminCaller } from './admin-guard';

export const ADMIN_CSRF_PURPOSE = 'admin-api';
const MAX_BODY = 64 * 1024;

/** One catalog entry as admins see it: its definition, where it came from, and its health. */
export async function catalogRows(hub: Hub): Promise<CatalogRow[]> {
  const users = await hub.vault.usersPerEntry();
  return (await hub.catalog.all()).map((record) => ({
    ...record,
    health: { ...hub.health.get(record.slug), connectedUsers: users.get(record.slug) ?? 0 },
  }));
}

export type CatalogRow = CatalogRecord & {
  health: ReturnType<Hub['health']['get']> & { connectedUsers: number };
};

/**
 * `/api/admin/catalog`: the catalog as JSON for scripts (a personal access token for the admin API with
 * the admin scope) and for an admin's browser (the session cookie plus `X-CSRF-Token`). Every change is
 * validated and audited by the catalog itself.
 */
export function catalogApi(hub: Hub, identity: IdentityDeps, pats: PatDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const error = (
    c: Context<AppEnv>,
    status: 400 | 401 | 403 | 404 | 409 | 413 | 415,
    code: string,
    description: string,
  ) => c.json({ error: code, error_description: description }, status);

  /** The admin behind this request, or the JSON refusal; a browser's change also needs its CSRF token. */
  const admin = async (c: Context<AppEnv>, change: boolean) => {
    const caller = await adminCaller(identity, pats, c);
    if (!caller.ok)
      return {
        refusal: error(
          c,
          caller.status,
          caller.status === 401 ? 'unauthorized' : 'forbidden',
          caller.message,
        ),
      };
    if (change && caller.via === 'session') {
      const presented = c.req.header('x-csrf-token');
      if (!(await verifyCsrfToken(identity.hmacKey, caller.session.id, ADMIN_CSRF_PURPOSE, presented)))
        return { refusal: error(c, 403, 'csrf', 'send the X-CSRF-Token of this session with every change') };
    }
    return { userId: caller.userId, session: caller.via === 'session' ? caller.session : undefined };
  };
  const body = async (c: Context<AppEnv>): Promise<{ value: unknown } | { refusal: Response }> => {
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json'))
      return { refusal: error(c, 415, 'unsupported_media_type', 'send application/json') };
    const text = await c.req.text();
    if (text.length > MAX_BODY) return { refusal: error(c, 413, 'too_large', 'the entry is too large') };
    try {
      return { value: JSON.parse(text) };
    } catch {
      return { refusal: error(c, 400, 'invalid_json', 'the body is not JSON') };
    }
  };
  const failed = (c: Context<AppEnv>, thrown: unknown) => {
    if (thrown instanceof CatalogError)
      return error(
        c,
        thrown.status,
        thrown.status === 404 ? 'not_found' : thrown.status === 409 ? 'conflict' : 'invalid_entry',
        thrown.message,
      );
    throw thrown;
  };

  app.get('/api/admin/catalog', async (c) => {
    const who = await admin(c, false);
    if ('refusal' in who) return who.refusal;
    c.header('Cache-Control', 'no-store');
    // A browser caller gets the CSRF token its changes must carry (readable only by same-origin scripts).
    const csrf = who.session
      ? await csrfToken(identity.hmacKey, who.session.id, ADMIN_CSRF_PURPOSE)
      : undefined;
    return c.json({ entries: await catalogRows(hub), ...(csrf ? { csrf } : {}) });
  });

  app.get('/api/admin/catalog/:slug', async (c) => {
    const who = await admin(c, false);
    if ('refusal' in who) return who.refusal;
    const row = (await catalogRows(hub)).find((entry) => entry.slug === c.req.param('slug'));
    return row ? c.json(row) : error(c, 404, 'not_found', `no catalog entry "${c.req.param('slug')}"`);
  });

  app.post('/api/admin/catalog', async (c) => {
    const who = await admin(c, true);
    if ('refusal' in who) return who.refusal;
    const input = await body(c);
    if ('refusal' in input) return input.refusal;
    const { slug, ...definition } = (input.value ?? {}) as Record<string, unknown>;
    try {
      return c.json(await hub.catalog.create(slug, definition, who.userId), 201);
    } catch (thrown) {
      return failed(c, thrown);
    }
  });

  app.put('/api/admin/catalog/:slug', async (c) => {
    const who = await admin(c, true);
    if ('refusal' in who) return who.refusal;
    const input = await body(c);
    if ('refusal' in input) return input.refusal;
    const { slug: _ignored, ...definition } = (input.value ?? {}) as Record<string, unknown>;
    try {
      return c.json(await hub.catalog.update(c.req.param('slug'), definition, who.userId));
    } catch (thrown) {
      return failed(c, thrown);
    }
  });

  app.delete('/api/admin/catalog/:slug', async (c) => {
    const who = await admin(c, true);
    if ('refusal' in who) return who.refusal;
    try {
      await hub.catalog.remove(c.req.param('slug'), who.userId);
      return c.body(null, 204);
    } catch (thrown) {
      return failed(c, thrown);
    }
  });

  return app;
}
