import type { HmacKey } from '../../crypto';
import type { PlainAnswer, PlainRequest } from '../../http/plain';
import type { Logger, Metrics } from '../../telemetry';
import type { RpcMessage } from '../json-rpc';
import { createEndpointProxy } from '../proxy';
import { createSessionBinding } from '../session-binding';
import { createToolScopes } from '../tool-scopes';
import type { Upstream } from '../upstream';
import type { CatalogEntry } from './catalog';
import type { Links, UpstreamLink } from './links';
import type { Vault } from './vault';

const NO_SCOPES = createToolScopes({});

/** What a forwarded request names, as the upstream knows it: a tool or prompt name, or a task id. */
export type Target = { key: 'name' | 'taskId'; value: string };

/**
 * Sends one of a user's requests to the upstream that owns it, through the gateway's message-level proxy
 * (the same code, budget and timeouts as an endpoint): the name or task id rewritten to the upstream's,
 * the user's upstream credential in place of their Gatehouse token, a 2025 upstream's session (bound to
 * the user) in its header. Streams, progress and input requests pass as they come.
 */
export function createHubForwarder(deps: {
  path: string;
  hmacKey: HmacKey;
  links: Links;
  vault: Vault;
  logger: Logger;
  metrics: Metrics;
  upstreamFor(entry: CatalogEntry): Upstream;
}) {
  const sessions = createSessionBinding(deps.hmacKey, deps.path);
  const proxies = new Map<string, ReturnType<typeof createEndpointProxy>>();
  const proxyFor = (entry: CatalogEntry) => {
    const key = `${entry.slug}\u0000${entry.url}\u0000${entry.timeoutSeconds}`;
    let proxy = proxies.get(key);
    if (!proxy) {
      proxy = createEndpointProxy({
        upstream: deps.upstreamFor(entry),
        timeoutMs: entry.timeoutSeconds * 1000,
        tools: NO_SCOPES,
        sessions,
        scopeChallenge: () => '',
        logger: deps.logger.child({ upstream: entry.slug }),
        onUpstreamError: (kind) => deps.metrics.upstreamError(`hub/${entry.slug}`, kind),
      });
      proxies.set(key, proxy);
    }
    return proxy;
  };

  async function forward(
    request: PlainRequest,
    message: RpcMessage,
    userId: string,
    entry: CatalogEntry,
    link: UpstreamLink,
    target: Target,
  ) {
    const params = message.params as Record<string, unknown>;
    const body = JSON.stringify({ ...message, params: { ...params, [target.key]: target.value } });
    const headers = new Map<string, string>();
    for (const [header, value] of request.headers())
      if (header !== 'mcp-session-id') headers.set(header, value);
    if (headers.has('mcp-name')) headers.set('mcp-name', target.value);
    if (link.era === 'legacy') {
      headers.set('mcp-protocol-version', link.protocolVersion);
      if (link.sessionId) headers.set('mcp-session-id', await sessions.wrap(userId, link.sessionId));
    }
    // A legacy caller's call to a modern upstream goes as a stateless 2025 request (which SDK servers
    // serve), so progress and the caller's own protocol version pass untouched.
    const forwarded: PlainRequest = {
      method: 'POST',
      path: request.path,
      header: (header) => headers.get(header),
      headers: () => headers.entries(),
      body,
      ...(request.signal ? { signal: request.signal } : {}),
      // The request's span, for the upstream's trace context (the inner proxy records no facts of its own).
      ...(request.facts?.traceparent
        ? {
            facts: {
              traceparent: request.facts.traceparent,
              ...(request.facts.tracestate ? { tracestate: request.facts.tracestate } : {}),
            },
          }
        : {}),
    };
    const answer = await proxyFor(entry)(forwarded, {
      subject: userId,
      credential: () => deps.vault.credential(userId, entry),
    });
    delete answer.headers['mcp-session-id'];
    return answer;
  }

  return {
    /** Forwarded; when a 2025 upstream forgot the link's session, once more on a new one. */
    async send(
      request: PlainRequest,
      message: RpcMessage,
      userId: string,
      entry: CatalogEntry,
      link: UpstreamLink,
      target: Target,
    ): Promise<{ answer: PlainAnswer; link: UpstreamLink }> {
      const answer = await forward(request, message, userId, entry, link, target);
      if (answer.status !== 404 || link.era !== 'legacy' || !link.sessionId) return { answer, link };
      deps.links.drop(userId, entry.slug);
      const renewed = await deps.links.get(userId, entry);
      return { answer: await forward(request, message, userId, entry, renewed, target), link: renewed };
    },
  };
}
