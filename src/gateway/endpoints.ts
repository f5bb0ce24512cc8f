import type { ResourceConfig } from '../config/resource-schema';
import { type HmacKey, sha256 } from '../crypto';
import type { PlainAnswer, PlainRequest } from '../http/plain';
import { type IdentityGuard, UpstreamTokenUnavailable } from '../identity';
import { protectedResourceMetadataUrl } from '../oauth/metadata';
import type { ProtectedResource } from '../oauth/resource';
import { bearerChallenge } from '../resource/challenge';
import type { VerifiedToken } from '../resource/verify';
import { type AuditLog, type Logger, type Metrics, noMetrics } from '../telemetry';
import { httpUpstream } from './http-upstream';
import {
  type Caller,
  createEndpointProxy,
  fetchUpstream,
  type UpstreamCredential,
  type UpstreamFetch,
} from './proxy';
import { createSessionBinding } from './session-binding';
import { createToolScopes } from './tool-scopes';

export interface EndpointDeps {
  hmacKey: HmacKey;
  guard: IdentityGuard;
  logger: Logger;
  /** one `tool.called` event per tools/call (absent: none, as in unit tests) */
  audit?: AuditLog;
  metrics?: Metrics;
  /** outbound HTTP to upstreams (tests inject one) */
  fetch?: UpstreamFetch;
}

/** A protected endpoint ready to serve: OAuth/PAT/service callers, or BYOK callers. */
export type Endpoint =
  | {
      kind: 'token';
      config: ResourceConfig;
      resource: ProtectedResource;
      serve(request: PlainRequest, token: VerifiedToken): Promise<PlainAnswer>;
    }
  | { kind: 'byok'; config: ResourceConfig; serve(request: PlainRequest, key: string): Promise<PlainAnswer> };

/** Builds each configured endpoint: its upstream, its proxy and how a caller's credential is chosen. */
export async function createEndpoints(
  configs: readonly ResourceConfig[],
  resources: readonly ProtectedResource[],
  deps: EndpointDeps,
): Promise<{ endpoints: Endpoint[]; close(): Promise<void> }> {
  const closers: Array<() => Promise<void>> = [];
  const opened = await Promise.all(configs.map((config) => openUpstream(config, deps)));
  const endpoints = configs.map((config, index): Endpoint => {
    const { upstream, close } = opened[index] as Awaited<ReturnType<typeof openUpstream>>;
    closers.push(close);
    const resource = resources.find((candidate) => candidate.path === config.path);
    const proxy = createEndpointProxy({
      upstream,
      timeoutMs: config.upstream.timeoutSeconds * 1000,
      tools: createToolScopes(config.toolScopes),
      hideToolsWithoutScope: config.hideToolsWithoutScope,
      sessions: createSessionBinding(deps.hmacKey, config.path),
      scopeChallenge: (needed) =>
        bearerChallenge({
          resourceMetadata: resource ? protectedResourceMetadataUrl(resource) : '',
          error: 'insufficient_scope',
          description: `this tool needs: ${needed.join(' ')}`,
          scope: [...new Set([...config.requiredScopes, ...needed])],
        }),
      logger: deps.logger.child({ endpoint: config.path }),
      path: config.path,
      onUpstreamError: (kind) => (deps.metrics ?? noMetrics).upstreamError(config.path, kind),
      ...(deps.audit ? { onToolCall: toolCallAudit(deps.audit, config.path) } : {}),
    });
    const headerValue = (token: string) =>
      config.credential.header.toLowerCase() === 'authorization' ? `Bearer ${token}` : token;

    if (!resource)
      return {
        kind: 'byok',
        config,
        // BYOK: the caller's key is the upstream credential; it is used here and never stored or logged.
        serve: async (request, key) =>
          proxy(request, {
            subject: `byok:${await sha256(key)}`,
            via: 'byok',
            credential: async () => ({
              ok: true,
              header: { name: config.credential.header, value: headerValue(key) },
            }),
          }),
      };
    const credential = tokenCredential(config, deps, headerValue);
    return {
      kind: 'token',
      config,
      resource,
      serve: (request, token) =>
        proxy(request, {
          subject: token.userId,
          clientId: token.clientId,
          via: token.via ?? 'oauth',
          scopes: token.scopes,
          credential: () => credential(token),
        }),
    };
  });
  return {
    endpoints,
    async close() {
      for (const close of closers) await close();
    },
  };
}

/**
 * One audit event per tool call on an endpoint: who, which client, which tool, how it went, how long —
 * never arguments or results. Not awaited: the answer does not wait for the write (which never throws).
 */
function toolCallAudit(audit: AuditLog, path: string) {
  return (call: { caller: Caller; tool: string; outcome: 'ok' | 'error'; ms: number }) => {
    const { caller } = call;
    void audit.record({
      event: 'tool.called',
      // A BYOK caller is known only by its key's hash: no user to name.
      userId: caller.via === 'byok' ? null : caller.subject,
      clientId: caller.clientId ?? null,
      resource: path,
      details: { tool: call.tool, outcome: call.outcome, ms: call.ms, via: caller.via },
    });
  };
}

/** The upstream credential of a Gatehouse-authenticated caller. */
function tokenCredential(
  config: ResourceConfig,
  deps: EndpointDeps,
  headerValue: (token: string) => string,
): (token: VerifiedToken) => Promise<UpstreamCredential> {
  const { mode, header, value } = config.credential;
  if (mode === 'shared' && value !== undefined) {
    const shared: UpstreamCredential = { ok: true, header: { name: header, value } };
    return async () => shared;
  }
  if (mode === 'user-upstream-token')
    return async (token: VerifiedToken): Promise<UpstreamCredential> => {
      try {
        const upstreamToken = await deps.guard.upstreamAccessToken(token.userId);
        return { ok: true, header: { name: header, value: headerValue(upstreamToken) } };
      } catch (error) {
        if (error instanceof UpstreamTokenUnavailable)
          return {
            ok: false,
            httpStatus: 401,
            message: `no upstream sign-in token for you: ${error.message}; sign in again`,
          };
        deps.logger.warn({ err: error }, 'upstream token refresh failed');
        return {
          ok: false,
          httpStatus: 502,
          message: 'your identity provider could not be reached to refresh your upstream token',
        };
      }
    };
  return async () => ({ ok: true });
}

const IN_PROCESS_URL = 'http://127.0.0.1/mcp';

/**
 * The upstream of one endpoint. The stdio bridge and the demo (and the MCP SDK server they need) are
 * loaded only when an endpoint uses them: an idle gateway of HTTP upstreams does not carry them.
 */
async function openUpstream(config: ResourceConfig, deps: EndpointDeps) {
  const upstream = config.upstream;
  if ('url' in upstream) {
    if (deps.fetch) return { upstream: fetchUpstream(deps.fetch, upstream.url), close: async () => {} };
    const http = httpUpstream(upstream.url);
    return { upstream: http, close: async () => http.close() };
  }
  if ('command' in upstream) {
    const { createStdioUpstream } = await import('./stdio-upstream');
    const stdio = createStdioUpstream(upstream, deps.logger.child({ endpoint: config.path }));
    return { upstream: fetchUpstream(stdio.fetch, IN_PROCESS_URL), close: stdio.close };
  }
  // The demo checks its key like a real API: the shared value, or any `demo_…` key for BYOK.
  const { mode, value } = config.credential;
  const { createDemoUpstream } = await import('../demo/upstream');
  const demo = createDemoUpstream(
    mode === 'shared'
      ? { acceptCredential: (authorization) => authorization === value }
      : mode === 'passthrough'
        ? { acceptCredential: (authorization) => /^(Bearer )?demo_\S+$/.test(authorization ?? '') }
        : {},
  );
  return { upstream: fetchUpstream(demo.fetch, IN_PROCESS_URL), close: demo.close };
}

export type { Caller };
