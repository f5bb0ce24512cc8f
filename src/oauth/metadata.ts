import { CLIENT_ASSERTION_ALGORITHMS } from './client-metadata';
import type { ProtectedResource } from './resource';

const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** RFC 8414 §2 authorization server metadata. */
export function authorizationServerMetadata(options: {
  issuer: string;
  registrationEnabled: boolean;
  cimdEnabled: boolean;
  scopes: readonly string[];
}) {
  const base = options.issuer.replace(/\/$/, '');
  return {
    issuer: options.issuer,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    ...(options.registrationEnabled ? { registration_endpoint: `${base}/oauth/register` } : {}),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
    scopes_supported: [...new Set([...options.scopes, 'offline_access'])],
    authorization_response_iss_parameter_supported: true, // RFC 9207 §3
    client_id_metadata_document_supported: options.cimdEnabled,
  };
}

/** RFC 9728 §2 protected resource metadata. `offline_access` is never listed here (MCP SEP-2207). */
export function protectedResourceMetadata(resource: ProtectedResource, issuer: string) {
  return {
    resource: resource.uri,
    resource_name: resource.name,
    authorization_servers: [issuer],
    scopes_supported: resource.scopes.map((scope) => scope.name).filter((name) => name !== 'offline_access'),
    bearer_methods_supported: ['header'],
  };
}

/** RFC 9728 §3.1: the path-inserted metadata URL for a resource. */
export function protectedResourceMetadataUrl(resource: ProtectedResource): string {
  const url = new URL(resource.uri);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`;
}
