import { randomId, sha256 } from '../crypto';
import { validateClientMetadata } from './client-metadata';
import type { AuthorizationServerDeps } from './deps';
import { OAuthError } from './errors';

const UNCLAIMED_EXPIRY_MS = 86_400_000;
const MAX_STORED_METADATA = 32 * 1024;

/** RFC 7591 §3.2.1 registration response. */
export interface RegistrationResponse {
  client_id: string;
  client_id_issued_at: number;
  client_secret?: string;
  client_secret_expires_at?: number;
  [field: string]: unknown;
}

/** RFC 7591 Dynamic Client Registration (deprecated in MCP 2026-07-28 in favour of CIMD; kept as a fallback). */
export async function registerClient(
  deps: AuthorizationServerDeps,
  body: Record<string, unknown>,
): Promise<RegistrationResponse> {
  if (!deps.registration.enabled)
    throw new OAuthError('invalid_request', 'dynamic client registration is disabled');
  const check = validateClientMetadata(body, 'dcr', {
    privateUseSchemes: deps.registration.privateUseSchemes,
  });
  if (!check.ok) throw new OAuthError(check.code, check.reason);
  const metadata = check.metadata;
  // Anonymous and kept for days: what is stored is bounded, whatever the fields hold (keys above all).
  if (JSON.stringify(metadata).length > MAX_STORED_METADATA)
    throw new OAuthError(
      'invalid_client_metadata',
      `the client metadata is larger than ${MAX_STORED_METADATA} bytes`,
    );
  if (metadata.token_endpoint_auth_method === 'none' && !deps.registration.allowPublicClients) {
    throw new OAuthError('invalid_client_metadata', 'this server does not register public clients');
  }
  const clientId = `dcr_${randomId(16)}`;
  // A secret only for the secret methods: a private_key_jwt client proves itself with its own keys.
  const method = metadata.token_endpoint_auth_method;
  const secret =
    method === 'client_secret_basic' || method === 'client_secret_post' ? `gcs_${randomId()}` : undefined;
  const at = deps.now();
  await deps.clients.create({
    clientId,
    kind: 'dcr',
    secretHash: secret ? await sha256(secret) : null,
    metadata: metadata as unknown as Record<string, unknown>,
    createdAt: at,
    lastUsedAt: at,
    // A registration that never obtains a token is gone after a day; the first token extends it.
    expiresAt: at + Math.min(UNCLAIMED_EXPIRY_MS, deps.registration.unusedExpiryMs),
  });
  return {
    client_id: clientId,
    client_id_issued_at: Math.floor(at / 1000),
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    ...metadata,
  };
}
