import { isLoopbackHost } from '../config';
import { type ClientMetadata, type MetadataPolicy, validateClientMetadata } from './client-metadata';

/** Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-00, as MCP 2026-07-28 pins). */

export interface CimdPolicy {
  enabled: boolean;
  allowHosts: readonly string[];
  denyHosts: readonly string[];
  allowLoopbackDocuments: boolean;
}

/** Does this client_id look like a URL (and so must be treated as a CIMD client id)? */
export function looksLikeCimdUrl(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

export type CimdUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** A host name as policy compares it: lower case, without the root's trailing dot (`denied.test.`). */
export function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.+$/, '');
}

function hostMatches(host: string, pattern: string): boolean {
  const p = canonicalHost(pattern);
  return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
}

/**
 * CIMD §3: the client_id is an https URL with a path component, no fragment, no userinfo, no dot segments.
 * Then the operator's policy: the switch, the deny-list, the allow-list (wildcards `*.example.com`).
 */
export function checkCimdUrl(clientId: string, policy: CimdPolicy): CimdUrlCheck {
  if (!policy.enabled) return { ok: false, reason: 'client metadata documents are disabled on this server' };
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return { ok: false, reason: 'the client_id is not a valid URL' };
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(policy.allowLoopbackDocuments && loopback && url.protocol === 'http:')) {
    return { ok: false, reason: 'a client_id URL must use https' };
  }
  if (url.username || url.password) return { ok: false, reason: 'a client_id URL must not contain userinfo' };
  if (clientId.includes('#')) return { ok: false, reason: 'a client_id URL must not contain a fragment' };
  if (url.pathname === '/' || url.pathname === '')
    return { ok: false, reason: 'a client_id URL must have a path' };
  const rawPath = clientId.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0] ?? '';
  if (
    rawPath.split('/').some((segment) => segment === '.' || segment === '..' || /^%2e(%2e)?$/i.test(segment))
  ) {
    return { ok: false, reason: 'a client_id URL must not contain dot segments' };
  }
  const host = canonicalHost(url.hostname);
  if (policy.denyHosts.some((pattern) => hostMatches(host, pattern))) {
    return { ok: false, reason: `client metadata from ${host} is not allowed on this server` };
  }
  if (policy.allowHosts.length > 0 && !policy.allowHosts.some((pattern) => hostMatches(host, pattern))) {
    return { ok: false, reason: `client metadata from ${host} is not on this server's allow-list` };
  }
  return { ok: true, url };
}

export type CimdDocumentCheck = { ok: true; metadata: ClientMetadata } | { ok: false; reason: string };

/** CIMD §4: a JSON object whose client_id equals the URL; no shared secret; redirect URIs validated. */
export function validateCimdDocument(
  text: string,
  clientId: string,
  policy: MetadataPolicy = {},
): CimdDocumentCheck {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the document is not valid JSON' };
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    return { ok: false, reason: 'the document must be a JSON object' };
  }
  const raw = document as Record<string, unknown>;
  if (raw.client_id !== clientId)
    return { ok: false, reason: 'the document client_id does not equal its URL' };
  if ('client_secret' in raw || 'client_secret_expires_at' in raw) {
    return { ok: false, reason: 'a metadata document must not contain a client_secret' };
  }
  const check = validateClientMetadata(raw, 'cimd', policy);
  return check.ok ? { ok: true, metadata: check.metadata } : { ok: false, reason: check.reason };
}

/** Seconds to cache a document: Cache-Control max-age, capped; 0 for no-store/no-cache/private. */
export function cacheSeconds(cacheControl: string | undefined, cap: number): number {
  if (!cacheControl) return Math.min(300, cap);
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const maxAge = directives.map((d) => /^max-age=(\d+)$/.exec(d)?.[1]).find(Boolean);
  return maxAge === undefined ? Math.min(300, cap) : Math.min(Number(maxAge), cap);
}

/**
 * Whether a CIMD client's self-chosen name plausibly belongs to the host that vouches for it: the name must
 * contain the host's registrable label ("Claude" for claude.ai, "Example" for app.example.com). The consent
 * page warns otherwise; it never refuses, since names are free text.
 */
export function nameMatchesHost(name: string, host: string): boolean {
  const labels = host.replace(/:\d+$/, '').toLowerCase().split('.');
  const label = labels.length >= 2 ? labels[labels.length - 2] : labels[0];
  return !label || name.toLowerCase().includes(label);
}
