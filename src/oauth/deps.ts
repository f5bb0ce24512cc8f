import type { HmacKey, KeyRing } from '../crypto';
import type { ScopePolicy } from '../identity/scope-policy';
import type { AuditLog } from '../telemetry';
import type { ClientAssertionDeps } from './client-assertion';
import type { ClientRegistry } from './clients';
import type { PrivateUseSchemePolicy } from './redirect-uri';
import type { ProtectedResource } from './resource';
import type { ClientStore, CodeStore, GrantStore, TokenStore } from './store';

/** Everything the authorization server's orchestrators need, injected (clock included) so tests control it. */
export interface AuthorizationServerDeps {
  issuer: string;
  resources: readonly ProtectedResource[];
  lifetimes: {
    accessMs: number;
    refreshMs: number;
    codeMs: number;
    refreshGraceMs: number;
    /** a grant's absolute lifetime: refreshing never carries it past createdAt + this */
    grantMaxMs: number;
  };
  registration: {
    enabled: boolean;
    allowPublicClients: boolean;
    unusedExpiryMs: number;
    maxPerIpPerHour: number;
    privateUseSchemes: PrivateUseSchemePolicy;
  };
  cimdEnabled: boolean;
  registry: ClientRegistry;
  /** private_key_jwt client authentication (RFC 7523): key sets, jti replay store, accepted audiences */
  clientAssertions: ClientAssertionDeps;
  clients: ClientStore;
  codes: CodeStore;
  grants: GrantStore;
  tokens: TokenStore;
  keyRing: KeyRing;
  hmacKey: HmacKey;
  now: () => number;
  audit: AuditLog;
  /** Called after a grant is revoked, so verification caches drop it at once. */
  onGrantRevoked?: (grantId: string) => void;
  onAccessTokenRevoked?: (tokenHash: string) => void;
  /**
   * Called at every refresh-token use with the grant's user: false when the user's identity no longer holds
   * (identity drift; the identity concern has then revoked the user's grants).
   */
  checkUserOnRefresh?: (userId: string) => Promise<boolean>;
  /** who may hold which scope (`resources[].scopes[].allow`); absent when no scope has a rule */
  scopePolicy?: ScopePolicy;
}

/** Private data sealed into rows (AES-GCM, the row's key as associated data). */
export interface CodeClaims {
  userId: string;
  scopes: string[];
  resource: string;
  redirectUri: string;
  redirectUriSent: boolean;
  codeChallenge: string;
  props: Record<string, unknown>;
}

export interface GrantClaims {
  userId: string;
  scopes: string[];
  resource: string;
  props: Record<string, unknown>;
  /** the host (or app link) the authorization's code went to; absent on grants made before it was kept */
  redirectTarget?: string;
}

export interface AccessClaims {
  userId: string;
  clientId: string;
  scopes: string[];
  resource: string;
}

export interface RefreshClaims {
  scopes: string[];
  resource: string;
}

export async function seal(deps: Pick<AuthorizationServerDeps, 'keyRing'>, value: unknown, binding: string) {
  return deps.keyRing.encrypt(JSON.stringify(value), binding);
}

export async function unseal<T>(
  deps: Pick<AuthorizationServerDeps, 'keyRing'>,
  sealed: string,
  binding: string,
) {
  return JSON.parse(await deps.keyRing.decrypt(sealed, binding)) as T;
}
