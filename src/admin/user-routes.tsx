import { type Context, Hono } from 'hono';
import type { AppEnv } from '../http';
import type { Session } from '../identity/session';
import { type IdentityDeps, viewerOf } from '../identity/web-session';
import { UsersPage } from '../pages/users-page';
import type { PatDeps } from '../resource/pat';
import { adminPages } from './admin-pages';
import { actOnUser, type UserAction, type UserAdminDeps, userRows } from './users';

const PAGE_SIZE = 50;
const DONE: Record<UserAction, (email: string, revoked: number) => string> = {
  revoke: (email, revoked) => `Revoked everything of ${email} (${revoked} apps, tokens and connections).`,
  block: (email, revoked) => `${email} is blocked (${revoked} apps, tokens and connections revoked).`,
  unblock: (email) => `${email} may sign in again.`,
};

/** `/admin/users`: who signed in, what they hold; revoke everything, block, unblock (admins, CSRF, audited). */
export function userRoutes(identity: IdentityDeps, pats: PatDeps, deps: UserAdminDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const pages = adminPages(identity, pats, 'admin-users', 'The users page');

  const render = async (
    c: Context<AppEnv>,
    session: Session,
    extra: { message?: string; error?: string } = {},
    status: 200 | 400 | 404 = 200,
  ) => {
    const email = (c.req.query('email') ?? '').trim().slice(0, 320);
    const page = Math.max(0, Math.min(10_000, Number.parseInt(c.req.query('page') ?? '0', 10) || 0));
    const records = email
      ? await identity.directory.findByEmail(email)
      : await identity.directory.list(PAGE_SIZE + 1, page * PAGE_SIZE);
    const rows = await userRows(deps, records.slice(0, PAGE_SIZE));
    c.header('Cache-Control', 'no-store');
    return c.html(
      <UsersPage
        viewer={await viewerOf(identity, session)}
        rows={rows}
        csrf={await pages.csrf(session)}
        hub={deps.connections !== undefined}
        email={email}
        {...(!email && records.length > PAGE_SIZE ? { next: page + 1 } : {})}
        {...(!email && page > 0 ? { previous: page - 1 } : {})}
        {...extra}
      />,
      status,
    );
  };

  app.get('/admin/users', async (c) => {
    const who = await pages.admin(c);
    if ('refusal' in who) return who.refusal;
    return render(c, who.session);
  });

  app.post(
    '/admin/users/:id/:action{revoke|block|unblock}',
    pages.change(async (c, _form, session) => {
      const userId = c.req.param('id') ?? '';
      const action = c.req.param('action') as UserAction;
      const record = await identity.directory.get(userId);
      const email = record ? (await identity.directory.profile(record)).email.toLowerCase() : userId;
      const done = await actOnUser(deps, action, userId, session.user.id);
      if (!done.ok)
        return done.reason === 'self'
          ? render(c, session, { error: 'You cannot block yourself.' }, 400)
          : render(c, session, { error: 'No such user.' }, 404);
      return render(c, session, { message: DONE[action](email, done.revoked) });
    }),
  );

  return app;
}
