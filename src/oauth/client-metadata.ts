import { ID_TOKEN_ALGORITHMS } from '../config/schema';
import { withoutControls } from '../lib/text';
import {
  checkRedirectUriForRegistration,
  MAX_REDIRECT_URIS,
  type PrivateUseSchemePolicy,
} from './redirect-uri';

export type TokenEndpointAuthMethod =
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt';

/**
 * JWS algorithms accepted for `private_key_jwt` (RFC 7523): the asymmetric ones id_tokens may use, never
 * `none`, never HMAC (a client's public key is no shared secret).
 */
export const CLIENT_ASSERTION_ALGORITHMS = ID_TOKEN_ALGORITHMS;

/** A public JSON Web Key set (RFC 7517 §5), as a client publishes it. */
export interface PublicJwks {
  keys: Array<Record<string, unknown>>;
}

/** The client metadata Gatehouse keeps and uses (RFC 7591 §2), after defaults and replacements. */
export interface ClientMetadata {
  client_name: string;
  redirect_uris: string[];
  grant_types: Array<'authorization_code' | 'refresh_token'>;
  response_types: Array<'code'>;
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  /** further methods the client may also use (OpenID RP metadata choices), among those Gatehouse allows */
  token_endpoint_auth_methods_supported?: TokenEndpointAuthMethod[];
  token_endpoint_auth_signing_alg?: string;
  jwks_uri?: string;
  jwks?: PublicJwks;
  client_uri?: string;
  logo_uri?: string;
  scope?: string;
}

export type MetadataCheck =
  | { ok: true; metadata: ClientMetadata }
  | { ok: false; code: 'invalid_redirect_uri' | 'invalid_client_metadata'; reason: string };

export interface MetadataPolicy {
  /** which private-use redirect schemes may be registered (default any) */
  privateUseSchemes?: PrivateUseSchemePolicy;
}

/** Methods by source: a metadata document cannot hold a shared secret (CIMD §4.1). */
const AUTH_METHODS: Record<'dcr' | 'cimd', readonly TokenEndpointAuthMethod[]> = {
  dcr: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  cimd: ['none', 'private_key_jwt'],
};
const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
/** JWK members that only a private or symmetric key has (RFC 7518 §6). */
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

function httpsUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2000) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Validates client metadata from a registration request or a Client ID Metadata Document. RFC 7591 §2:
 * defaults for omitted fields (grant_types ["authorization_code"], response_types ["code"],
 * token_endpoint_auth_method "client_secret_basic" for DCR, "none" for a document), and the server may
 * replace requested values: grant types, response types and auth methods Gatehouse does not support are
 * dropped (claude.ai lists the jwt-bearer grant), unknown fields ignored, malformed optional fields left
 * out. Refused: what would be unsafe or cannot work — a bad redirect URI, no authorization_code, a
 * method Gatehouse cannot verify, private key material, a weak assertion algorithm.
 */
export function validateClientMetadata(
  raw: Record<string, unknown>,
  source: 'dcr' | 'cimd',
  policy: MetadataPolicy = {},
): MetadataCheck {
  const fail = (code: 'invalid_redirect_uri' | 'invalid_client_metadata', reason: string): MetadataCheck => ({
    ok: false,
    code,
    reason,
  });
  const redirectUris = stringList(raw.redirect_uris);
  if (!redirectUris || redirectUris.length === 0) {
    return fail('invalid_redirect_uri', 'redirect_uris must be a non-empty array of strings');
  }
  if (redirectUris.length > MAX_REDIRECT_URIS)
    return fail('invalid_redirect_uri', `at most ${MAX_REDIRECT_URIS} redirect URIs may be registered`);
  for (const uri of redirectUris) {
    const check = checkRedirectUriForRegistration(uri, policy.privateUseSchemes);
    if (!check.ok) return fail('invalid_redirect_uri', `redirect URI ${uri.slice(0, 200)} ${check.reason}`);
  }

  const grantTypes = raw.grant_types === undefined ? ['authorization_code'] : stringList(raw.grant_types);
  if (!grantTypes) return fail('invalid_client_metadata', 'grant_types must be an array of strings');
  const responseTypes = raw.response_types === undefined ? ['code'] : stringList(raw.response_types);
  if (!responseTypes) return fail('invalid_client_metadata', 'response_types must be an array of strings');
  // RFC 7591 §2.1: the code response type goes with the authorization_code grant, and back.
  if (!grantTypes.includes('authorization_code') || !responseTypes.includes('code'))
    return fail(
      'invalid_client_metadata',
      'grant_types must include authorization_code and response_types must include code',
    );
  const grants = GRANT_TYPES.filter((grant) => grantTypes.includes(grant));

  const auth = chooseAuthMethods(raw, source);
  if (!auth.ok) return fail('invalid_client_metadata', auth.reason);

  const name = raw.client_name;
  const trimmed = typeof name === 'string' ? withoutControls(name).trim() : '';
  if (source === 'cimd' && !trimmed) return fail('invalid_client_metadata', 'client_name is required');

  const metadata: ClientMetadata = {
    client_name: trimmed ? trimmed.slice(0, 200) : 'Unnamed client',
    redirect_uris: redirectUris,
    grant_types: grants,
    response_types: ['code'],
    ...auth.metadata,
  };
  if (httpsUrl(raw.client_uri)) metadata.client_uri = raw.client_uri;
  if (httpsUrl(raw.logo_uri)) metadata.logo_uri = raw.logo_uri;
  if (typeof raw.scope === 'string' && raw.scope.length <= 1000) metadata.scope = raw.scope;
  return { ok: true, metadata };
}

type AuthChoice =
  | {
      ok: true;
      metadata: Pick<
        ClientMetadata,
        | 'token_endpoint_auth_method'
        | 'token_endpoint_auth_methods_supported'
        | 'token_endpoint_auth_signing_alg'
        | 'jwks_uri'
        | 'jwks'
      >;
    }
  | { ok: false; reason: string };

/**
 * The client's token endpoint authentication: its declared method if Gatehouse supports it for this kind
 * of client, else the first supported one it lists in `token_endpoint_auth_methods_supported`. Keys for
 * `private_key_jwt` come from `jwks_uri` or `jwks` (RFC 7591 §2: not both), public keys only.
 */
function chooseAuthMethods(raw: Record<string, unknown>, source: 'dcr' | 'cimd'): AuthChoice {
  const allowed = AUTH_METHODS[source];
  const declared = raw.token_endpoint_auth_method ?? (source === 'cimd' ? 'none' : 'client_secret_basic');
  if (typeof declared !== 'string')
    return { ok: false, reason: 'token_endpoint_auth_method must be a string' };
  const listed = stringList(raw.token_endpoint_auth_methods_supported) ?? [];
  const usable = [declared, ...listed].filter((method): method is TokenEndpointAuthMethod =>
    (allowed as readonly string[]).includes(method),
  );
  const keys = clientKeys(raw);
  if (!keys.ok) return keys;
  const hasKeys = keys.jwksUri !== undefined || keys.jwks !== undefined;
  // private_key_jwt without keys cannot work: refused if that is all the client offers, else dropped.
  const methods = [...new Set(usable)].filter((method) => method !== 'private_key_jwt' || hasKeys);
  const method = methods[0];
  if (!method) {
    if (usable.includes('private_key_jwt'))
      return { ok: false, reason: 'private_key_jwt needs the client keys: jwks_uri or jwks' };
    return {
      ok: false,
      reason:
        source === 'cimd'
          ? `token_endpoint_auth_method ${declared} is not supported for a metadata document (use none or private_key_jwt)`
          : `token_endpoint_auth_method ${declared} is not supported`,
    };
  }
  const usesKeys = methods.includes('private_key_jwt');
  const alg = raw.token_endpoint_auth_signing_alg;
  if (usesKeys && alg !== undefined && !(CLIENT_ASSERTION_ALGORITHMS as readonly unknown[]).includes(alg))
    return {
      ok: false,
      reason: `token_endpoint_auth_signing_alg ${String(alg)} is not allowed (asymmetric algorithms only)`,
    };
  return {
    ok: true,
    metadata: {
      token_endpoint_auth_method: method,
      ...(methods.length > 1 ? { token_endpoint_auth_methods_supported: methods } : {}),
      ...(usesKeys && typeof alg === 'string' ? { token_endpoint_auth_signing_alg: alg } : {}),
      ...(usesKeys && keys.jwksUri ? { jwks_uri: keys.jwksUri } : {}),
      ...(usesKeys && keys.jwks ? { jwks: keys.jwks } : {}),
    },
  };
}

function clientKeys(
  raw: Record<string, unknown>,
): { ok: true; jwksUri?: string; jwks?: PublicJwks } | { ok: false; reason: string } {
  if (raw.jwks_uri !== undefined && raw.jwks !== undefined)
    return { ok: false, reason: 'jwks_uri and jwks must not both be present (RFC 7591 §2)' };
  if (raw.jwks_uri !== undefined) {
    if (!httpsUrl(raw.jwks_uri)) return { ok: false, reason: 'jwks_uri must be an https URL' };
    return { ok: true, jwksUri: raw.jwks_uri };
  }
  if (raw.jwks !== undefined) {
    const jwks = raw.jwks as { keys?: unknown } | null;
    const keys = jwks && typeof jwks === 'object' && Array.isArray(jwks.keys) ? jwks.keys : undefined;
    if (
      !keys ||
      keys.length === 0 ||
      keys.length > 20 ||
      !keys.every((key) => key && typeof key === 'object')
    )
      return { ok: false, reason: 'jwks must be a JSON Web Key Set with 1 to 20 keys' };
    if (keys.some((key) => PRIVATE_KEY_MEMBERS.some((member) => member in key)))
      return { ok: false, reason: 'jwks publishes private or symmetric key material' };
    return { ok: true, jwks: { keys: keys as PublicJwks['keys'] } };
  }
  return { ok: true };
}

/** Every method a client may authenticate with at the token and revocation endpoints. */
export function clientAuthMethods(metadata: ClientMetadata): TokenEndpointAuthMethod[] {
  return metadata.token_endpoint_auth_methods_supported ?? [metadata.token_endpoint_auth_method];
}
