import { type Context, Hono } from 'hono';
import type { Hub } from '../gateway/hub';
import { CatalogError } from '../gateway/hub/catalog';
import { type AppEnv, formValue } from '../http';
import type { Session } from '../identity/session';
import { type IdentityDeps, viewerOf } from '../identity/web-session';
import { CatalogPage } from '../pages/catalog-page';
import type { PatDeps } from '../resource/pat';
import { type AdminForm, adminPages } from './admin-pages';
import { catalogRows } from './catalog-api';

const PURPOSE = 'admin-catalog';
const text = (value: string | string[] | undefined) => formValue(value) ?? '';

/** An entry's definition from the page's form: plain fields, and the auth object as JSON. */
function definitionFrom(
  form: Record<string, string | string[]>,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let auth: unknown;
  try {
    auth = JSON.parse(text(form.auth) || '{"type":"none"}');
  } catch {
    return { ok: false, error: 'auth: not valid JSON' };
  }
  const prefix = text(form.toolPrefix).trim();
  const timeout = Number(text(form.timeoutSeconds) || '60');
  return {
    ok: true,
    value: {
      name: text(form.name).trim(),
      description: text(form.description).trim(),
      url: text(form.url).trim(),
      ...(prefix ? { toolPrefix: prefix } : {}),
      timeoutSeconds: timeout,
      auth,
      enabled: text(form.enabled) === 'true',
    },
  };
}

/** `/admin/catalog`: the catalog page for admins (session and CSRF); every change audited by the catalog. */
export function catalogRoutes(hub: Hub, identity: IdentityDeps, pats: PatDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const pages = adminPages(identity, pats, PURPOSE, 'The catalog');
  const { admin } = pages;

  const render = async (
    c: Context<AppEnv>,
    session: Session,
    extra: { message?: string; error?: string; draft?: Record<string, string> } = {},
    status: 200 | 400 | 404 | 409 = 200,
  ) => {
    c.header('Cache-Control', 'no-store');
    return c.html(
      <CatalogPage
        rows={await catalogRows(hub)}
        viewer={await viewerOf(identity, session)}
        csrf={await pages.csrf(session)}
        adminEmail={session.user.email}
        {...extra}
      />,
      status,
    );
  };
  /** A change from the page; a refused change is shown on the page with what the admin typed. */
  const change = (apply: (c: Context<AppEnv>, form: AdminForm, userId: string) => Promise<string>) =>
    pages.change(async (c, form, session) => {
      try {
        return await render(c, session, { message: await apply(c, form, session.user.id) });
      } catch (thrown) {
        if (!(thrown instanceof CatalogError)) throw thrown;
        const draft = Object.fromEntries(Object.entries(form).map(([name, value]) => [name, text(value)]));
        delete draft.csrf;
        return render(
          c,
          session,
          { error: thrown.message, draft },
          thrown.status === 403 ? 400 : thrown.status,
        );
      }
    });

  app.get('/admin/catalog', async (c) => {
    const who = await admin(c);
    if ('refusal' in who) return who.refusal;
    return render(c, who.session);
  });

  app.post(
    '/admin/catalog',
    change(async (_c, form, userId) => {
      const definition = definitionFrom(form);
      if (!definition.ok) throw new CatalogError(400, definition.error);
      const entry = await hub.catalog.create(text(form.slug).trim(), definition.value, userId);
      return `${entry.name} is in the catalog.`;
    }),
  );

  app.post(
    '/admin/catalog/:slug',
    change(async (c, form, userId) => {
      const definition = definitionFrom(form);
      if (!definition.ok) throw new CatalogError(400, definition.error);
      const entry = await hub.catalog.update(c.req.param('slug') ?? '', definition.value, userId);
      return `${entry.name} is saved.`;
    }),
  );

  app.post(
    '/admin/catalog/:slug/delete',
    change(async (c, _form, userId) => {
      await hub.catalog.remove(c.req.param('slug') ?? '', userId);
      return `${c.req.param('slug') ?? ''} is deleted: users no longer see it.`;
    }),
  );

  return app;
}
