import type { IdentityProviderConfig } from '../config';

/** An identity provider with its preset applied: everything the login flow needs, nothing else. */
export interface ProviderSettings {
  id: string;
  protocol: 'oidc' | 'github';
  displayName: string;
  clientId: string;
  clientSecret: string | undefined;
  /** OIDC issuer (discovery base) or, for GitHub, the web base URL */
  issuer: string;
  /** GitHub only: the REST API base URL */
  apiUrl?: string;
  scopes: string[];
  /** extra authorization request parameters (e.g. Google `hd`, `access_type`) */
  authorizationParams: Record<string, string>;
  requireEmailVerified: boolean;
  /** Google: the Workspace domain the `hd` claim must equal, in addition to the access policy */
  hostedDomain?: string;
  groupsClaim: string;
  algorithms: string[];
  keepTokens: boolean;
}

const OIDC_SCOPES = ['openid', 'email', 'profile'];
/** Entra multi-tenant aliases: their issuer varies per user, so they cannot be verified as one issuer. */
const ENTRA_SHARED_TENANTS = new Set(['common', 'organizations', 'consumers']);

/** Applies a preset to one configured identity provider. Pure. */
export function resolveProvider(config: IdentityProviderConfig): ProviderSettings {
  const base = {
    id: config.id,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    groupsClaim: config.groupsClaim,
    algorithms: [...config.algorithms],
    keepTokens: config.keepTokens,
    authorizationParams: {} as Record<string, string>,
  };
  const unique = (scopes: string[]) => [...new Set(scopes)];
  switch (config.type) {
    case 'google':
      return {
        ...base,
        protocol: 'oidc',
        displayName: config.displayName ?? 'Google',
        issuer: 'https://accounts.google.com',
        scopes: unique([...OIDC_SCOPES, ...config.scopes]),
        // Google gives refresh tokens through access_type=offline, not the offline_access scope.
        authorizationParams: {
          ...(config.hostedDomain ? { hd: config.hostedDomain } : {}),
          ...(config.keepTokens ? { access_type: 'offline', prompt: 'consent' } : {}),
        },
        // Google always sends email_verified; an unverified Google email is never accepted.
        requireEmailVerified: true,
        ...(config.hostedDomain ? { hostedDomain: config.hostedDomain.toLowerCase() } : {}),
      };
    case 'entra': {
      const tenant = config.tenant ?? '';
      return {
        ...base,
        protocol: 'oidc',
        displayName: config.displayName ?? 'Microsoft',
        issuer: `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/v2.0`,
        scopes: unique([...OIDC_SCOPES, ...(config.keepTokens ? ['offline_access'] : []), ...config.scopes]),
        // Entra sends no email_verified claim. With a single-tenant issuer the tenant's own administrators
        // set the email attribute, so the waiver defaults on; set allowUnverifiedEmail: false to refuse.
        requireEmailVerified: !(config.allowUnverifiedEmail ?? true),
      };
    }
    case 'cloudflare-access':
      return {
        ...base,
        protocol: 'oidc',
        displayName: config.displayName ?? 'Cloudflare Access',
        issuer: `https://${config.teamDomain}/cdn-cgi/access/sso/oidc/${encodeURIComponent(config.clientId)}`,
        scopes: unique([
          ...OIDC_SCOPES,
          'groups',
          ...(config.keepTokens ? ['offline_access'] : []),
          ...config.scopes,
        ]),
        requireEmailVerified: !(config.allowUnverifiedEmail ?? false),
      };
    case 'github': {
      const web = (config.baseUrl ?? 'https://github.com').replace(/\/$/, '');
      return {
        ...base,
        protocol: 'github',
        displayName: config.displayName ?? 'GitHub',
        issuer: web,
        apiUrl: (config.apiUrl ?? (config.baseUrl ? `${web}/api/v3` : 'https://api.github.com')).replace(
          /\/$/,
          '',
        ),
        scopes: unique(['read:user', 'user:email', ...config.scopes]),
        // GitHub reports whether each email is verified; only a verified primary email is used.
        requireEmailVerified: true,
      };
    }
    case 'oidc':
      return {
        ...base,
        protocol: 'oidc',
        displayName: config.displayName ?? 'Single sign-on',
        issuer: config.issuer ?? '',
        scopes: unique([...OIDC_SCOPES, ...(config.keepTokens ? ['offline_access'] : []), ...config.scopes]),
        // OIDC Core §11: offline_access is honoured only with prompt=consent.
        authorizationParams: config.keepTokens ? { prompt: 'consent' } : {},
        requireEmailVerified: !(config.allowUnverifiedEmail ?? false),
      };
  }
}

export function isSharedEntraTenant(tenant: string): boolean {
  return ENTRA_SHARED_TENANTS.has(tenant.toLowerCase());
}
