import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Logger } from '../../telemetry';
import type { UpstreamCredential } from '../proxy';
import type { Upstream } from '../upstream';
import type { CatalogEntry } from './catalog';

/** One user's open MCP client session with one upstream (the SDK client: lists, and the era bridge). */
export interface UpstreamLink {
  client: Client;
  /** modern: 2026-07-28 per-request envelopes; legacy: a 2025 handshake (maybe with a session id) */
  era: 'modern' | 'legacy';
  protocolVersion: string;
  sessionId: string | undefined;
}

export class UpstreamUnavailable extends Error {
  override name = 'UpstreamUnavailable';
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export interface LinkDeps {
  upstreamFor(entry: CatalogEntry): Upstream;
  credential(userId: string, entry: CatalogEntry): Promise<UpstreamCredential>;
  logger: Logger;
  now(): number;
  /** a link unused this long is closed */
  idleMs: number;
  /** an upstream said its tools or prompts changed (on a listen, upstream-listens.ts) */
  onListChanged?(userId: string, slug: string, list: 'tools' | 'prompts'): void;
}

/** Headers of an upstream answer the SDK's transport reads. */
const ANSWER_HEADERS = [
  'content-type',
  'mcp-session-id',
  'mcp-protocol-version',
  'www-authenticate',
  'retry-after',
];

export const isModern = (version: string | undefined) => version !== undefined && version >= '2026-07-28';

/**
 * The SDK's client over the entry's upstream (pooled, SSRF-guarded) with the user's credential resolved
 * per request, so a refresh in between is picked up. A credential that cannot be had is an
 * UpstreamUnavailable with the status the hub reports.
 */
function linkFetch(deps: LinkDeps, userId: string, entry: CatalogEntry, timeoutMs: number) {
  const upstream = deps.upstreamFor(entry);
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const credential = await deps.credential(userId, entry);
    if (!credential.ok) throw new UpstreamUnavailable(credential.message, credential.httpStatus);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (name !== 'authorization') headers[name] = value;
    });
    if (credential.header) headers[credential.header.name.toLowerCase()] = credential.header.value;
    for (const extra of credential.extraHeaders ?? []) headers[extra.name.toLowerCase()] = extra.value;
    const body = request.method === 'POST' ? await request.text() : undefined;
    const reply = await upstream.call({
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs,
      ...(init?.signal ? { callerSignal: init.signal } : {}),
    });
    const out = new Headers();
    for (const name of ANSWER_HEADERS) {
      const value = reply.header(name);
      if (value !== null) out.set(name, value);
    }
    if (reply.status === 401 || reply.status === 403)
      throw new UpstreamUnavailable(
        `${entry.name} refused the credential (HTTP ${reply.status})`,
        reply.status,
      );
    const nullBody = reply.status === 202 || reply.status === 204;
    const stream = nullBody ? null : reply.stream(timeoutMs);
    // The SDK ends a stream it no longer wants (a closed listen) by its signal: the upstream's ends with it.
    const sse = (reply.header('content-type') ?? '').includes('text/event-stream');
    const answer =
      stream instanceof ReadableStream && sse && init?.signal
        ? stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(), { signal: init.signal })
        : stream;
    return new Response(answer, { status: reply.status, headers: out });
  };
}

/**
 * Open links per (user, entry), opened once (concurrent callers share the opening) and closed when idle
 * or when the user's connection changes.
 */
export function createLinks(deps: LinkDeps) {
  const open = new Map<string, { link: Promise<UpstreamLink>; usedAt: number }>();
  const key = (userId: string, slug: string) => `${userId}\u0000${slug}`;

  async function connect(userId: string, entry: CatalogEntry): Promise<UpstreamLink> {
    const timeoutMs = entry.timeoutSeconds * 1000;
    const client = new Client(
      { name: 'gatehouse-hub', version: '0.1.0' },
      { capabilities: {}, versionNegotiation: { mode: 'auto' } },
    );
    const transport = new StreamableHTTPClientTransport(new URL(entry.url), {
      fetch: linkFetch(deps, userId, entry, timeoutMs),
    });
    const changed = deps.onListChanged;
    if (changed) {
      client.setNotificationHandler('notifications/tools/list_changed', () =>
        changed(userId, entry.slug, 'tools'),
      );
      client.setNotificationHandler('notifications/prompts/list_changed', () =>
        changed(userId, entry.slug, 'prompts'),
      );
    }
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (error) {
      await client.close().catch(() => {});
      throw asUnavailable(error, entry);
    }
    const protocolVersion = client.getNegotiatedProtocolVersion() ?? '2025-11-25';
    return {
      client,
      era: isModern(protocolVersion) ? 'modern' : 'legacy',
      protocolVersion,
      sessionId: transport.sessionId,
    };
  }

  const sweep = setInterval(
    () => {
      const at = deps.now();
      for (const [name, held] of open)
        if (at - held.usedAt > deps.idleMs) {
          open.delete(name);
          closeLink(held.link);
        }
    },
    Math.max(1_000, Math.min(deps.idleMs, 60_000)),
  );
  sweep.unref();

  function closeLink(link: Promise<UpstreamLink>) {
    link.then((opened) => opened.client.close()).catch(() => {});
  }

  return {
    /** The user's link to the entry, opened if needed. */
    get(userId: string, entry: CatalogEntry): Promise<UpstreamLink> {
      const name = key(userId, entry.slug);
      const held = open.get(name);
      if (held) {
        held.usedAt = deps.now();
        return held.link;
      }
      const link = connect(userId, entry);
      open.set(name, { link, usedAt: deps.now() });
      // A failed opening is not kept: the next call tries again.
      link.catch(() => {
        if (open.get(name)?.link === link) open.delete(name);
      });
      return link;
    },
    /** Forgets a link (its upstream session expired, or the connection changed). */
    drop(userId: string, slug: string) {
      const name = key(userId, slug);
      const held = open.get(name);
      if (!held) return;
      open.delete(name);
      closeLink(held.link);
    },
    dropUser(userId: string) {
      for (const [name, held] of open)
        if (name.startsWith(`${userId}\u0000`)) {
          open.delete(name);
          closeLink(held.link);
        }
    },
    close() {
      clearInterval(sweep);
      for (const held of open.values()) closeLink(held.link);
      open.clear();
    },
  };
}

export type Links = ReturnType<typeof createLinks>;

/** Any failure to reach or use an upstream, as the status and reason the hub reports. */
export function asUnavailable(error: unknown, entry: Pick<CatalogEntry, 'name'>): UpstreamUnavailable {
  if (error instanceof UpstreamUnavailable) return error;
  const cause =
    error instanceof Error && error.cause instanceof UpstreamUnavailable ? error.cause : undefined;
  if (cause) return cause;
  const text = error instanceof Error ? error.message : String(error);
  const timedOut =
    /timed? ?out|TimeoutError/i.test(text) || (error as { name?: string }).name === 'TimeoutError';
  return new UpstreamUnavailable(
    timedOut
      ? `${entry.name} did not answer in time`
      : `${entry.name} could not be reached: ${text.slice(0, 200)}`,
    timedOut ? 504 : 502,
  );
}
