import { checkRedirectUriForRegistration } from './redirect-uri';

/** The client metadata Gatehouse keeps and uses (RFC 7591 §2), after defaults are applied. */
export interface ClientMetadata {
  client_name: string;
  redirect_uris: string[];
  grant_types: Array<'authorization_code' | 'refresh_token'>;
  response_types: Array<'code'>;
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'client_secret_post';
  client_uri?: string;
  logo_uri?: string;
  scope?: string;
}

export type MetadataCheck =
  | { ok: true; metadata: ClientMetadata }
  | { ok: false; code: 'invalid_redirect_uri' | 'invalid_client_metadata'; reason: string };

const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function httpsUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Validates client metadata from a registration request or a Client ID Metadata Document, applying the
 * RFC 7591 §2 defaults for omitted fields: grant_types ["authorization_code"], response_types ["code"],
 * token_endpoint_auth_method "client_secret_basic" (DCR) — CIMD documents default to "none" since they
 * cannot hold a shared secret.
 */
export function validateClientMetadata(raw: Record<string, unknown>, source: 'dcr' | 'cimd'): MetadataCheck {
  const fail = (code: 'invalid_redirect_uri' | 'invalid_client_metadata', reason: string): MetadataCheck => ({
    ok: false,
    code,
    reason,
  });
  const redirectUris = stringList(raw.redirect_uris);
  if (!redirectUris || redirectUris.length === 0) {
    return fail('invalid_redirect_uri', 'redirect_uris must be a non-empty array of strings');
  }
  for (const uri of redirectUris) {
    const check = checkRedirectUriForRegistration(uri);
    if (!check.ok) return fail('invalid_redirect_uri', `redirect URI ${uri} ${check.reason}`);
  }

  const grantTypes = raw.grant_types === undefined ? ['authorization_code'] : stringList(raw.grant_types);
  if (!grantTypes || grantTypes.length === 0)
    return fail('invalid_client_metadata', 'grant_types must be an array');
  const unsupportedGrant = grantTypes.find((g) => !(GRANT_TYPES as readonly string[]).includes(g));
  if (unsupportedGrant)
    return fail('invalid_client_metadata', `grant type ${unsupportedGrant} is not supported`);
  const responseTypes = raw.response_types === undefined ? ['code'] : stringList(raw.response_types);
  if (!responseTypes || responseTypes.some((r) => r !== 'code')) {
    return fail('invalid_client_metadata', 'response_types may only contain "code"');
  }
  // RFC 7591 §2.1: the code response type goes with the authorization_code grant, and back.
  if (!grantTypes.includes('authorization_code') || responseTypes.length === 0) {
    return fail(
      'invalid_client_metadata',
      'grant_types must include authorization_code with response_types ["code"]',
    );
  }

  const defaultMethod = source === 'cimd' ? 'none' : 'client_secret_basic';
  const method = raw.token_endpoint_auth_method ?? defaultMethod;
  if (source === 'cimd' && method !== 'none') {
    return fail(
      'invalid_client_metadata',
      method === 'private_key_jwt'
        ? 'private_key_jwt client authentication is not supported; publish the document with token_endpoint_auth_method "none"'
        : `token_endpoint_auth_method must be "none" for a metadata document (got ${String(method)})`,
    );
  }
  if (typeof method !== 'string' || !(AUTH_METHODS as readonly string[]).includes(method)) {
    return fail('invalid_client_metadata', `token_endpoint_auth_method ${String(method)} is not supported`);
  }

  const name = raw.client_name;
  if (source === 'cimd' && (typeof name !== 'string' || name.trim() === '')) {
    return fail('invalid_client_metadata', 'client_name is required');
  }
  if (name !== undefined && typeof name !== 'string')
    return fail('invalid_client_metadata', 'client_name must be a string');
  for (const field of ['client_uri', 'logo_uri'] as const) {
    if (raw[field] !== undefined && !httpsUrl(raw[field])) {
      return fail('invalid_client_metadata', `${field} must be an https URL`);
    }
  }
  if (raw.scope !== undefined && typeof raw.scope !== 'string') {
    return fail('invalid_client_metadata', 'scope must be a string');
  }

  const metadata: ClientMetadata = {
    client_name: typeof name === 'string' && name.trim() ? name.trim().slice(0, 200) : 'Unnamed client',
    redirect_uris: redirectUris,
    grant_types: grantTypes as ClientMetadata['grant_types'],
    response_types: ['code'],
    token_endpoint_auth_method: method as ClientMetadata['token_endpoint_auth_method'],
  };
  if (typeof raw.client_uri === 'string') metadata.client_uri = raw.client_uri;
  if (typeof raw.logo_uri === 'string') metadata.logo_uri = raw.logo_uri;
  if (typeof raw.scope === 'string') metadata.scope = raw.scope;
  return { ok: true, metadata };
}
