import { type Context, Hono } from 'hono';
import { type AppEnv, formValue } from '../http';
import type { Session } from '../identity/session';
import { type IdentityDeps, viewerOf } from '../identity/web-session';
import { ClientsPage } from '../pages/clients-page';
import type { PatDeps } from '../resource/pat';
import { adminPages } from './admin-pages';
import { actOnClients, type ClientAction, type ClientAdminDeps, clientRows } from './clients';

const ACTIONS = ['block', 'unblock', 'block-host', 'unblock-host', 'delete'] as const;

/** `/admin/clients`: every client, how it registered, who uses it; block, unblock, delete (admins, CSRF, audited). */
export function clientRoutes(identity: IdentityDeps, pats: PatDeps, deps: ClientAdminDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const pages = adminPages(identity, pats, 'admin-clients', 'The clients page');

  const render = async (
    c: Context<AppEnv>,
    session: Session,
    extra: { message?: string; error?: string } = {},
    status: 200 | 400 = 200,
  ) => {
    c.header('Cache-Control', 'no-store');
    const { rows, hosts } = await clientRows(deps);
    return c.html(
      <ClientsPage
        viewer={await viewerOf(identity, session)}
        rows={rows}
        hosts={hosts}
        csrf={await pages.csrf(session)}
        {...extra}
      />,
      status,
    );
  };

  app.get('/admin/clients', async (c) => {
    const who = await pages.admin(c);
    if ('refusal' in who) return who.refusal;
    return render(c, who.session);
  });

  app.post(
    '/admin/clients/:action{block|unblock|block-host|unblock-host|delete}',
    pages.change(async (c, form, session) => {
      const kind = c.req.param('action') as (typeof ACTIONS)[number];
      const clientId = (formValue(form.client_id) ?? '').trim();
      const host = formValue(form.host) ?? '';
      const action: ClientAction =
        kind === 'block-host' || kind === 'unblock-host' ? { kind, host } : { kind, clientId };
      const done = await actOnClients(deps, action, session.user.id);
      return done.ok
        ? render(c, session, { message: done.message })
        : render(c, session, { error: done.error }, 400);
    }),
  );

  return app;
}
