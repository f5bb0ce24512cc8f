import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * Cookie names and attributes. On https the `__Host-` prefix pins the cookie to this origin (Secure,
 * Path=/, no Domain); on loopback http (development) the plain name is used since Secure is impossible.
 */
export function createCookieJar(issuer: string) {
  const secure = new URL(issuer).protocol === 'https:';
  const name = (base: string) => (secure ? `__Host-${base}` : base);
  return {
    get: (c: Context, base: string) => getCookie(c, name(base)),
    set: (c: Context, base: string, value: string, maxAgeSeconds: number) =>
      setCookie(c, name(base), value, {
        httpOnly: true,
        secure,
        sameSite: 'Lax',
        path: '/',
        maxAge: maxAgeSeconds,
      }),
    clear: (c: Context, base: string) => deleteCookie(c, name(base), { path: '/', secure }),
  };
}

export type CookieJar = ReturnType<typeof createCookieJar>;
