import type { Context } from 'hono';
import { type AppEnv, formValue, readHtmlForm } from '../http';
import { csrfToken, verifyCsrfToken } from '../identity/csrf';
import type { Session } from '../identity/session';
import { type IdentityDeps, loginPath } from '../identity/web-session';
import { ErrorPage } from '../pages/error-page';
import type { PatDeps } from '../resource/pat';
import { adminCaller } from './admin-guard';

export type AdminForm = Record<string, string | string[]>;

/**
 * What every admin page shares: who may open it (a signed-in admin; nobody → login, anyone else → 403),
 * its CSRF token (bound to the session and the page), and changes that check both before they run.
 */
export function adminPages(identity: IdentityDeps, pats: PatDeps, purpose: string, pageName: string) {
  /** The signed-in admin, or the answer for anyone else. Rights follow the current configuration. */
  const admin = async (c: Context<AppEnv>): Promise<{ session: Session } | { refusal: Response }> => {
    const caller = await adminCaller(identity, pats, c);
    if (caller.ok && caller.via === 'session') return { session: caller.session };
    if (!caller.ok && caller.status === 401) return { refusal: c.redirect(loginPath(c), 302) };
    return {
      refusal: await c.html(
        <ErrorPage
          title="Admins only"
          message={`${pageName} is for the administrators named in this Gatehouse's configuration.`}
          requestId={c.get('requestId')}
        />,
        403,
      ),
    };
  };
  const csrf = (session: Session) => csrfToken(identity.hmacKey, session.id, purpose);
  /** A POST from the page: the admin, their CSRF token, then the change. */
  const change =
    (apply: (c: Context<AppEnv>, form: AdminForm, session: Session) => Promise<Response>) =>
    async (c: Context<AppEnv>) => {
      const who = await admin(c);
      if ('refusal' in who) return who.refusal;
      const form = await readHtmlForm(c);
      if (!(await verifyCsrfToken(identity.hmacKey, who.session.id, purpose, formValue(form.csrf) ?? '')))
        return c.html(
          <ErrorPage
            title="Request refused"
            message={`Reload the ${pageName.toLowerCase()} page and try again.`}
            requestId={c.get('requestId')}
          />,
          403,
        );
      return apply(c, form, who.session);
    };
  return { admin, csrf, change };
}
