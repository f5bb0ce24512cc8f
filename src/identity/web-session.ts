import type { Context } from 'hono';
import type { HmacKey, KeyRing } from '../crypto';
import type { EphemeralStore } from '../store';
import type { AuditLog } from '../telemetry';
import type { CookieJar } from './cookies';
import type { UserDirectory } from './directory';
import type { IdentityGuard } from './guard';
import type { AccessPolicy } from './policy';
import type { Session, SessionManager } from './session';
import type { UpstreamProvider } from './upstream/types';
import type { User } from './user';

/** What the identity routes need, and the browser-session helpers every signed-in page shares. */
export const SESSION_COOKIE = 'gh_session';
export const LOGIN_COOKIE = 'gh_login';

export interface IdentityDeps {
  issuer: string;
  sessions: SessionManager;
  cookies: CookieJar;
  hmacKey: HmacKey;
  keyRing: KeyRing;
  devLoginEnabled: boolean;
  sessionMaxAgeSeconds: number;
  /** configured identity providers, in configuration order */
  providers: ReadonlyMap<string, UpstreamProvider>;
  directory: UserDirectory;
  guard: IdentityGuard;
  policy: AccessPolicy;
  audit: AuditLog;
  /** login transactions (state, nonce, PKCE verifier), single use */
  transactions: EphemeralStore;
  /** what the page header shows a signed-in user (the console's navigation) */
  viewer?: (session: Session) => Promise<Viewer>;
}

/** The signed-in user as every page's header shows them: who, and the pages they can open. */
export interface Viewer {
  email: string;
  links: Array<{ href: string; label: string; about: string }>;
}

/** The header's viewer for this session, when the console's navigation is wired (always, in the server). */
export async function viewerOf(
  deps: IdentityDeps,
  session: Session | undefined,
): Promise<Viewer | undefined> {
  return session && deps.viewer ? deps.viewer(session) : undefined;
}

/**
 * The signed-in session of this request, if any. A session older than the user's last drift revocation
 * is dead even if its cookie is still live.
 */
export async function currentSession(deps: IdentityDeps, c: Context): Promise<Session | undefined> {
  const cookie = deps.cookies.get(c, SESSION_COOKIE);
  const session = await deps.sessions.get(cookie);
  if (!session) return undefined;
  const user = await deps.directory.get(session.user.id);
  if (!user || session.createdAt < user.sessionsValidAfter) {
    await deps.sessions.destroy(cookie);
    return undefined;
  }
  return session;
}

/** Where to go after login: only a pending authorization id, never a URL (no open redirect). */
export function loginUrl(authz?: string): string {
  return authz ? `/login?authz=${encodeURIComponent(authz)}` : '/login';
}

export function isAuthzId(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{16,64}$/.test(value);
}

/**
 * A page to come back to after signing in: a local path only (one leading `/`, not `//` or `/\`, printable
 * ASCII, bounded) — never another origin, so `next` cannot make the login page an open redirect.
 */
export function localPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return undefined;
  return value;
}

/** Where a signed-in browser goes: the consent of an authorization in progress, the page asked for, or home. */
export function afterLogin(authz: unknown, next?: unknown): string {
  if (isAuthzId(authz)) return `/oauth/consent?authz=${encodeURIComponent(authz)}`;
  return localPath(next) ?? '/';
}

/** The login page, remembering the page this request was for (a GET; anything else returns home). */
export function loginPath(c: Context): string {
  if (c.req.method !== 'GET') return '/login';
  const url = new URL(c.req.url);
  const here = localPath(`${url.pathname}${url.search}`);
  return here && here !== '/' ? `/login?next=${encodeURIComponent(here)}` : '/login';
}

/** Starts the browser session of a user who just signed in (a new id at every login: no fixation). */
export async function startSession(deps: IdentityDeps, c: Context, user: User): Promise<void> {
  await deps.sessions.destroy(deps.cookies.get(c, SESSION_COOKIE));
  const session = await deps.sessions.create(user);
  deps.cookies.set(c, SESSION_COOKIE, session, deps.sessionMaxAgeSeconds);
}
