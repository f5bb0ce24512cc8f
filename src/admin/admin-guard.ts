import type { Context } from 'hono';
import type { AppEnv } from '../http';
import { isAdmin } from '../identity/policy';
import type { Session } from '../identity/session';
import { currentSession, type IdentityDeps } from '../identity/web-session';
import type { ProtectedResource } from '../oauth/resource';
import { bearerToken } from '../resource/challenge';
import { findPat, PAT_PREFIX, type PatDeps } from '../resource/pat';

/** The personal-access-token "resource" of the admin API: only admins may create or use such tokens. */
export const ADMIN_API_PATH = '/api/admin';
export const ADMIN_SCOPE = 'admin';

export function adminApiResource(issuer: string): ProtectedResource {
  return {
    path: ADMIN_API_PATH,
    name: 'Admin API',
    scopes: [{ name: ADMIN_SCOPE, description: 'Administer this Gatehouse (admins only)', default: false }],
    auth: ['pat'],
    uri: `${new URL(issuer).origin}${ADMIN_API_PATH}`,
  };
}

/** Whether a user is an admin now: rights follow the current configuration, not the one at sign-in. */
export async function userIsAdmin(identity: IdentityDeps, userId: string): Promise<boolean> {
  const record = await identity.directory.get(userId);
  const profile = record && (await identity.directory.profile(record));
  return Boolean(profile && isAdmin(identity.policy, profile));
}

export type AdminCaller =
  | { ok: true; userId: string; via: 'session'; session: Session }
  | { ok: true; userId: string; via: 'pat' }
  | { ok: false; status: 401 | 403; message: string };

/**
 * Who calls an admin route: a bearer personal access token for the admin API (with the admin scope, of a
 * user who is still an admin), or a signed-in admin's browser session (the route checks CSRF).
 */
export async function adminCaller(
  identity: IdentityDeps,
  pats: PatDeps,
  c: Context<AppEnv>,
): Promise<AdminCaller> {
  const bearer = bearerToken(c.req.header('authorization'));
  if (bearer !== undefined) {
    const claims = bearer.startsWith(PAT_PREFIX) ? await findPat(pats, bearer) : undefined;
    if (!claims || claims.resource !== adminApiResource(identity.issuer).uri)
      return { ok: false, status: 401, message: 'send a personal access token made for the admin API' };
    if (!claims.scopes.includes(ADMIN_SCOPE))
      return { ok: false, status: 403, message: 'the token lacks the admin scope' };
    if (!(await userIsAdmin(identity, claims.userId)))
      return { ok: false, status: 403, message: 'the owner of this token is no longer an admin' };
    return { ok: true, userId: claims.userId, via: 'pat' };
  }
  const session = await currentSession(identity, c);
  if (!session) return { ok: false, status: 401, message: 'sign in, or send an admin API token' };
  if (!(await userIsAdmin(identity, session.user.id)))
    return {
      ok: false,
      status: 403,
      message: "admins only: the administrators named in this Gatehouse's configuration",
    };
  return { ok: true, userId: session.user.id, via: 'session', session };
}
