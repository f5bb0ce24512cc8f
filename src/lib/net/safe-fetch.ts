import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { classifyAddress } from './address';

/** What the guard needs from the outside world; tests inject both so no packet leaves loopback. */
export interface OutboundDeps {
  /** All addresses a host name resolves to. */
  resolve(host: string): Promise<string[]>;
  /** Performs one GET to `url`, connecting to `address` (never resolving again). */
  get(url: URL, address: string, signal: AbortSignal): Promise<OutboundResponse>;
  /** Any request (the hub's OAuth client POSTs to token, registration and revocation endpoints). */
  send?(url: URL, address: string, request: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse>;
}

export interface OutboundRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
}

export interface SafeFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Development and tests only: allow loopback targets. */
  allowLoopback?: boolean;
}

export class SafeFetchError extends Error {
  override name = 'SafeFetchError';
}

export type SafeFetchResult = { status: number; headers: Record<string, string>; text: string };

/**
 * GET through the SSRF guard: resolve the name ourselves, refuse if any address is not public (a name that
 * mixes public and private answers is refused too), connect to the checked address, follow no redirect,
 * read at most `maxBytes`, give up after `timeoutMs` in total.
 */
export async function safeFetch(
  url: URL,
  options: SafeFetchOptions,
  deps: OutboundDeps,
  request?: OutboundRequest,
): Promise<SafeFetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    return await Promise.race([
      fetchChecked(url, options, deps, controller.signal, request),
      new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () =>
          reject(new SafeFetchError(`no complete answer within ${options.timeoutMs} ms`)),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function fetchChecked(
  url: URL,
  options: SafeFetchOptions,
  deps: OutboundDeps,
  signal: AbortSignal,
  request: OutboundRequest | undefined,
): Promise<SafeFetchResult> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SafeFetchError(`${url.protocol} URLs are not fetched`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await deps.resolve(host).catch(() => []);
  if (addresses.length === 0) throw new SafeFetchError(`${host} does not resolve`);
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls === 'public' || (cls === 'loopback' && options.allowLoopback)) continue;
    throw new SafeFetchError(`${host} resolves to a ${cls} address; refused`);
  }
  const address = addresses[0] as string;
  let response: OutboundResponse;
  if (!request || (request.method === 'GET' && !deps.send)) response = await deps.get(url, address, signal);
  else if (deps.send) response = await deps.send(url, address, request, signal);
  else throw new SafeFetchError('this outbound connector sends GET only');
  if (response.status >= 300 && response.status < 400) {
    throw new SafeFetchError(`redirects are not followed (got ${response.status})`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > options.maxBytes) throw new SafeFetchError(`response larger than ${options.maxBytes} bytes`);
    chunks.push(chunk);
  }
  return { status: response.status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') };
}

/**
 * The real resolver and connector: node's DNS and http(s) with the connection pinned to the checked address.
 * `ca` adds trusted certificates (tests serving documents over https on loopback).
 */
export function createNodeOutbound(options: { ca?: string } = {}): OutboundDeps {
  const send = (url: URL, address: string, outbound: OutboundRequest, signal: AbortSignal) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<OutboundResponse>((resolve, reject) => {
      const req = request(
        url,
        {
          method: outbound.method,
          signal,
          ...(options.ca ? { ca: options.ca } : {}),
          headers: { 'user-agent': 'Gatehouse', ...outbound.headers },
          // Pin the connection to the address the guard approved: no second DNS answer can change it.
          lookup: ((
            _host: string,
            lookupOptions: { all?: boolean },
            callback: (...args: unknown[]) => void,
          ) => {
            const family = isIP(address);
            if (lookupOptions.all) callback(null, [{ address, family }]);
            else callback(null, address, family);
          }) as never,
        },
        (res) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers[name] = value;
            else if (Array.isArray(value)) headers[name] = value.join(', ');
          }
          resolve({ status: res.statusCode ?? 0, headers, body: res });
        },
      );
      req.on('error', reject);
      req.end(outbound.body);
    });
  };
  return {
    async resolve(host) {
      const answers = await dnsLookup(host, { all: true, verbatim: true });
      return answers.map((answer) => answer.address);
    },
    get(url, address, signal) {
      return send(url, address, { method: 'GET', headers: { accept: 'application/json' } }, signal);
    },
    send,
  };
}
