/**
 * A fetch for tests of outbound calls to well-known public hosts (accounts.google.com, …): each public origin
 * is mapped to a loopback server that plays it, with the X-Forwarded headers a TLS-terminating proxy would
 * add. Any URL outside the map is refused, so nothing can leave the machine through a missed rewrite.
 */
export function createRewritingFetch(map: Record<string, string>): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const target = map[url.origin];
    if (!target) {
      if (/^127\.|^\[::1\]$|^localhost$/.test(url.hostname)) return fetch(request);
      throw new TypeError(`fetch failed: the test network refuses ${url.origin}`);
    }
    const headers = new Headers(request.headers);
    headers.set('x-forwarded-proto', url.protocol.replace(':', ''));
    headers.set('x-forwarded-host', url.host);
    const body =
      request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    return fetch(`${target}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body,
      redirect: request.redirect,
      signal: request.signal,
    });
  };
}
