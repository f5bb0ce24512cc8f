import { validateClientMetadata } from '../oauth/client-metadata';
import { auditHub } from './hub-audit';
import type { ResourceConfig } from './resource-schema';
import type { GatehouseConfig, IdentityProviderConfig } from './schema';

export interface Finding {
  level: 'error' | 'warning';
  /** dotted path of the offending field */
  path: string;
  message: string;
}

const PLACEHOLDERS: readonly RegExp[] = [
  /^change[-_ ]?me/i,
  /^placeholder/i,
  /^<.*>$/,
  /^x{3,}$/i,
  /^todo$/i,
];

export function isPlaceholder(value: string): boolean {
  const trimmed = value.trim();
  return PLACEHOLDERS.some((pattern) => pattern.test(trimmed));
}

/** Every string in the raw config that looks like an unfilled template value. */
export function findPlaceholderValues(raw: unknown): Finding[] {
  const out: Finding[] = [];
  findPlaceholders(raw, [], out);
  return out;
}

function findPlaceholders(value: unknown, path: string[], out: Finding[]): void {
  if (typeof value === 'string') {
    if (isPlaceholder(value)) {
      out.push({ level: 'error', path: path.join('.'), message: 'is a placeholder value; set a real one' });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      findPlaceholders(item, [...path, String(index)], out);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) findPlaceholders(item, [...path, key], out);
  }
}

export function decodeKey(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Semantic checks the schema cannot express. `serve` refuses to start on any error;
 * `gatehouse doctor` prints them all.
 */
export function auditConfig(config: GatehouseConfig): Finding[] {
  const findings: Finding[] = [];

  if (config.secret.length < 32 && !isPlaceholder(config.secret)) {
    findings.push({
      level: 'error',
      path: 'secret',
      message: 'must be at least 32 characters of random text',
    });
  }
  config.encryptionKeys.forEach((entry, index) => {
    if (isPlaceholder(entry.key)) return;
    const bytes = decodeKey(entry.key);
    if (!bytes) {
      findings.push({
        level: 'error',
        path: `encryptionKeys.${index}.key`,
        message: 'must be base64 or base64url',
      });
    } else if (bytes.length < 32) {
      findings.push({
        level: 'error',
        path: `encryptionKeys.${index}.key`,
        message: `must decode to 32 bytes (AES-256); got ${bytes.length}`,
      });
    } else if (bytes.length > 32) {
      findings.push({
        level: 'error',
        path: `encryptionKeys.${index}.key`,
        message: `must decode to exactly 32 bytes; got ${bytes.length}`,
      });
    }
  });
  const ids = config.encryptionKeys.map((entry) => entry.id);
  if (new Set(ids).size !== ids.length) {
    findings.push({ level: 'error', path: 'encryptionKeys', message: 'key ids must be unique' });
  }

  const issuer = new URL(config.issuer);
  if (issuer.protocol === 'http:' && !isLoopbackHost(issuer.hostname)) {
    findings.push({
      level: 'error',
      path: 'issuer',
      message: 'must be https unless it is a loopback address (OAuth 2.1 §1.5)',
    });
  }
  if (issuer.search || issuer.hash) {
    findings.push({
      level: 'error',
      path: 'issuer',
      message: 'must not have a query or fragment (RFC 8414 §2)',
    });
  }
  if (config.mode === 'production' && config.devLogin.enabled && !config.devLogin.allowInsecureDevLogin) {
    findings.push({
      level: 'error',
      path: 'devLogin.enabled',
      message:
        'the development login lets anyone sign in as anyone; set devLogin.allowInsecureDevLogin to confirm',
    });
  }
  if (config.mode === 'production' && config.devLogin.enabled && config.devLogin.allowInsecureDevLogin) {
    findings.push({
      level: 'warning',
      path: 'devLogin',
      message: 'the insecure development login is enabled',
    });
  }
  if (config.mode === 'production' && config.cimd.allowLoopbackDocuments) {
    findings.push({
      level: 'error',
      path: 'cimd.allowLoopbackDocuments',
      message: 'fetching client metadata from loopback is for development and tests only',
    });
  }
  const paths = config.resources.map((resource) => resource.path);
  if (new Set(paths).size !== paths.length) {
    findings.push({ level: 'error', path: 'resources', message: 'resource paths must be unique' });
  }
  const clientIds = config.clients.map((client) => client.clientId);
  if (new Set(clientIds).size !== clientIds.length) {
    findings.push({ level: 'error', path: 'clients', message: 'client ids must be unique' });
  }
  config.clients.forEach((client, index) => {
    const method = client.tokenEndpointAuthMethod;
    const secretMethod = method === 'client_secret_basic' || method === 'client_secret_post';
    if (secretMethod && !client.clientSecret) {
      findings.push({
        level: 'error',
        path: `clients.${index}.clientSecret`,
        message: `is required for ${method}`,
      });
    }
    if (!secretMethod && client.clientSecret) {
      findings.push({
        level: 'error',
        path: `clients.${index}.clientSecret`,
        message: `is not used with ${method}`,
      });
    }
    const keys = [client.jwks, client.jwksUri].filter((value) => value !== undefined).length;
    const keysWrong = method === 'private_key_jwt' ? keys !== 1 : keys > 0;
    if (keysWrong)
      findings.push({
        level: 'error',
        path: `clients.${index}.jwks`,
        message:
          method === 'private_key_jwt'
            ? 'private_key_jwt needs the client public keys: jwks or jwksUri (one of them)'
            : 'is used only with private_key_jwt',
      });
    const check = validateClientMetadata(
      {
        client_name: client.clientName,
        redirect_uris: client.redirectUris,
        token_endpoint_auth_method: method,
        ...(client.jwks ? { jwks: client.jwks } : {}),
        ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
      },
      'dcr',
    );
    if (!check.ok && !keysWrong)
      findings.push({ level: 'error', path: `clients.${index}`, message: check.reason });
  });
  findings.push(...auditIdentity(config), ...auditEndpointAuth(config));
  if (!config.http.rateLimit.enabled) {
    findings.push({ level: 'warning', path: 'http.rateLimit.enabled', message: 'rate limiting is off' });
  }
  return findings;
}

/** Which optional fields each identity provider type uses; the others are refused. */
const IDP_FIELDS: Record<IdentityProviderConfig['type'], readonly string[]> = {
  oidc: ['issuer'],
  google: ['hostedDomain'],
  entra: ['tenant'],
  'cloudflare-access': ['teamDomain'],
  github: ['baseUrl', 'apiUrl'],
};
const IDP_REQUIRED: Partial<Record<IdentityProviderConfig['type'], string>> = {
  oidc: 'issuer',
  entra: 'tenant',
  'cloudflare-access': 'teamDomain',
};
const PRESET_FIELDS = ['issuer', 'hostedDomain', 'tenant', 'teamDomain', 'baseUrl', 'apiUrl'] as const;

function auditIdentity(config: GatehouseConfig): Finding[] {
  const findings: Finding[] = [];
  const ids = config.identityProviders.map((idp) => idp.id);
  if (new Set(ids).size !== ids.length)
    findings.push({
      level: 'error',
      path: 'identityProviders',
      message: 'identity provider ids must be unique',
    });
  config.identityProviders.forEach((idp, index) => {
    const at = `identityProviders.${index}`;
    if (idp.id === 'dev')
      findings.push({
        level: 'error',
        path: `${at}.id`,
        message: '"dev" is reserved for the development login',
      });
    for (const field of PRESET_FIELDS) {
      if (idp[field] !== undefined && !IDP_FIELDS[idp.type].includes(field))
        findings.push({ level: 'error', path: `${at}.${field}`, message: `is not used by type ${idp.type}` });
    }
    const needed = IDP_REQUIRED[idp.type];
    if (needed && idp[needed as keyof IdentityProviderConfig] === undefined)
      findings.push({ level: 'error', path: `${at}.${needed}`, message: `is required for type ${idp.type}` });
    if (idp.type === 'github' && !idp.clientSecret)
      findings.push({
        level: 'error',
        path: `${at}.clientSecret`,
        message: `is required for GitHub (or GATEHOUSE_IDP_${envName(idp.id)}_CLIENT_SECRET)`,
      });
    if (
      idp.type === 'entra' &&
      idp.tenant &&
      ['common', 'organizations', 'consumers'].includes(idp.tenant.toLowerCase())
    )
      findings.push({
        level: 'error',
        path: `${at}.tenant`,
        message: 'must be your directory (tenant) id: multi-tenant aliases have no single issuer to verify',
      });
    if ((idp.type === 'google' || idp.type === 'github') && idp.allowUnverifiedEmail)
      findings.push({
        level: 'error',
        path: `${at}.allowUnverifiedEmail`,
        message: `cannot be waived for ${idp.type}: only verified emails are used`,
      });
    for (const field of ['issuer', 'baseUrl', 'apiUrl'] as const) {
      const value = idp[field];
      if (!value) continue;
      const url = new URL(value);
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
        findings.push({
          level: 'error',
          path: `${at}.${field}`,
          message: 'must be https unless it is loopback',
        });
    }
  });
  const loginEnabled = config.devLogin.enabled || config.identityProviders.length > 0;
  const access = config.access;
  const rules = access.domains.length + access.emails.length + access.groups.length;
  if (loginEnabled && !access.allowAnyone && rules === 0) {
    findings.push({
      level: 'error',
      path: 'access',
      message:
        'the access policy admits nobody: list access.domains, access.emails or access.groups, or set access.allowAnyone: true',
    });
  }
  if (access.allowAnyone && config.mode === 'production' && config.identityProviders.length > 0) {
    findings.push({
      level: 'warning',
      path: 'access.allowAnyone',
      message:
        'every account your identity providers know is admitted (for Google or GitHub: anyone on the internet)',
    });
  }
  if (!loginEnabled) {
    findings.push({
      level: 'warning',
      path: 'identityProviders',
      message: 'no login method is configured: nobody can sign in (add an identity provider)',
    });
  }
  return findings;
}

/** `my-idp` -> `MY_IDP`, as in GATEHOUSE_IDP_MY_IDP_CLIENT_SECRET. */
export function envName(id: string): string {
  return id.toUpperCase().replace(/-/g, '_');
}

function auditEndpointAuth(config: GatehouseConfig): Finding[] {
  const findings: Finding[] = [];
  const service = config.serviceToken;
  const wantsService = config.resources.some((resource) => resource.auth.includes('service'));
  if (service.token !== undefined && service.token.length < 32 && !isPlaceholder(service.token))
    findings.push({
      level: 'error',
      path: 'serviceToken.token',
      message: 'must be at least 32 characters of random text',
    });
  if (wantsService && service.token === undefined)
    findings.push({
      level: 'error',
      path: 'serviceToken.token',
      message: 'is required (or GATEHOUSE_SERVICE_TOKEN): a resource accepts the service token',
    });
  if (service.token !== undefined && !wantsService)
    findings.push({
      level: 'warning',
      path: 'serviceToken',
      message: 'is set but no resource lists service in auth',
    });
  config.resources.forEach((resource, index) => {
    findings.push(...auditEndpoint(config, resource, `resources.${index}`));
    if (resource.auth.includes('pat') && !config.personalAccessTokens.enabled)
      findings.push({
        level: 'error',
        path: `resources.${index}.auth`,
        message: 'lists pat but personalAccessTokens.enabled is false',
      });
  });
  findings.push(...auditHub(config));
  const pats = config.personalAccessTokens;
  if (pats.defaultLifetimeDays > pats.maxLifetimeDays)
    findings.push({
      level: 'error',
      path: 'personalAccessTokens.defaultLifetimeDays',
      message: 'must not exceed maxLifetimeDays',
    });
  return findings;
}

/** One endpoint's auth, credential and scopes fit together. */
function auditEndpoint(config: GatehouseConfig, resource: ResourceConfig, path: string): Finding[] {
  const findings: Finding[] = [];
  const error = (field: string, message: string) =>
    findings.push({ level: 'error', path: `${path}.${field}`, message });
  const byok = resource.auth.includes('byok');
  const { mode } = resource.credential;
  if (byok && resource.auth.length > 1)
    error('auth', "byok is exclusive: the bearer is the caller's upstream key, not a Gatehouse token");
  if (byok && mode !== 'passthrough') error('credential.mode', 'must be passthrough when auth is byok');
  if (!byok && mode === 'passthrough')
    error('credential.mode', 'passthrough needs auth [byok] (Gatehouse never forwards its own tokens)');
  if (!byok && resource.scopes.length === 0)
    error('scopes', 'an OAuth-protected endpoint needs at least one scope');
  const declared = new Set(resource.scopes.map((scope) => scope.name));
  for (const scope of [...resource.requiredScopes, ...Object.values(resource.toolScopes).flat()])
    if (!declared.has(scope))
      error('toolScopes', `names scope "${scope}", which the endpoint does not declare`);
  if (byok && (resource.requiredScopes.length > 0 || Object.keys(resource.toolScopes).length > 0))
    error('toolScopes', 'scopes need Gatehouse tokens; a byok endpoint has none');
  if (mode === 'shared' && resource.credential.value === undefined)
    error(
      'credential.value',
      resource.credential.valueEnv
        ? `is required: the environment variable ${resource.credential.valueEnv} is not set`
        : 'is required for a shared credential (or valueEnv naming an environment variable)',
    );
  if (mode !== 'shared' && (resource.credential.value ?? resource.credential.valueEnv) !== undefined)
    error('credential.value', `is only used by the shared mode, not ${mode}`);
  if (mode === 'user-upstream-token' && !config.identityProviders.some((idp) => idp.keepTokens))
    error('credential.mode', 'user-upstream-token needs an identity provider with keepTokens: true');
  if (mode === 'user-upstream-token' && resource.auth.includes('service'))
    error('auth', 'the service identity has no upstream token; drop service or pick another credential');
  if ('command' in resource.upstream && mode !== 'none')
    error('credential.mode', 'a stdio upstream takes none: give the child its secrets in upstream.env');
  if ('url' in resource.upstream) {
    const url = new URL(resource.upstream.url);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && mode !== 'none')
      findings.push({
        level: config.mode === 'production' ? 'error' : 'warning',
        path: `${path}.upstream.url`,
        message: 'credentials would travel in clear text; use https',
      });
  }
  if ('demo' in resource.upstream && config.mode === 'production')
    findings.push({
      level: 'warning',
      path: `${path}.upstream`,
      message: 'serves the built-in demo MCP server; set upstream.url or upstream.command',
    });
  return findings;
}
