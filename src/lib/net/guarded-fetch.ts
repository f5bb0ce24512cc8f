import { type OutboundDeps, type SafeFetchOptions, safeFetch } from './safe-fetch';

/**
 * A fetch-shaped function over the SSRF guard, for libraries that take a `fetch` (the MCP SDK's OAuth
 * client functions): every request resolves and checks its target, follows no redirect, reads a bounded
 * body within a deadline. String bodies only (form posts and JSON) — nothing else is needed.
 */
export function guardedFetch(
  deps: OutboundDeps,
  options: SafeFetchOptions,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input.toString());
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? request?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    let body: string | undefined;
    const given = init?.body ?? undefined;
    if (typeof given === 'string') body = given;
    else if (given instanceof URLSearchParams) {
      body = given.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (given !== undefined && given !== null) throw new TypeError('only string bodies are sent');
    else if (request && method !== 'GET' && method !== 'HEAD') body = await request.text();
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const answer = await safeFetch(url, options, deps, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const status = answer.status;
    const nullBody = status === 204 || status === 205 || status === 304;
    return new Response(nullBody ? null : answer.text, { status, headers: answer.headers });
  };
}
