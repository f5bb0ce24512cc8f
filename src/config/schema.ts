import { z } from 'zod';
import { hubSchema } from './hub-schema';
import { resourceSchema } from './resource-schema';

/** Error text that says "is required" when the field is absent and what is expected otherwise. */
function required(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `is required: ${expected}` : `must be ${expected}`;
}

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$/;
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,190}$/;

/** JWS algorithms accepted for id_tokens. Never `none`; never HS* (a shared secret is not a public key). */
export const ID_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/**
 * One upstream identity provider. `type` selects a preset; the preset fills in the issuer and checks
 * (see src/identity/presets.ts). Fields a preset does not use are refused by auditConfig.
 */
export const identityProviderSchema = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,31}$/,
        'lower-case letters, digits and dashes (it appears in the callback URL)',
      ),
    type: z.enum(['oidc', 'google', 'entra', 'cloudflare-access', 'github']),
    displayName: z.string().min(1).max(60).optional(),
    clientId: z.string({ error: required('the client id registered at the identity provider') }).min(1),
    clientSecret: z
      .string()
      .min(1)
      .optional()
      .describe('or GATEHOUSE_IDP_<ID>_CLIENT_SECRET; omit for a public client (PKCE only)'),
    issuer: z
      .url()
      .optional()
      .describe('oidc: the issuer URL (discovery at /.well-known/openid-configuration)'),
    tenant: z.string().min(1).optional().describe('entra: the directory (tenant) id'),
    teamDomain: z.string().min(1).optional().describe('cloudflare-access: e.g. myteam.cloudflareaccess.com'),
    hostedDomain: z
      .string()
      .regex(DOMAIN, 'a domain like example.com')
      .optional()
      .describe('google: also require this Workspace domain (hd claim)'),
    baseUrl: z
      .url()
      .optional()
      .describe('github: web URL (GitHub Enterprise Server); default https://github.com'),
    apiUrl: z.url().optional().describe('github: API URL; default https://api.github.com'),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/))
      .default([])
      .describe('extra scopes to request'),
    keepTokens: z
      .boolean()
      .default(false)
      .describe("keep the IdP's access and refresh tokens (encrypted) for upstream calls and re-validation"),
    allowUnverifiedEmail: z.boolean().optional().describe('waive email_verified for this IdP'),
    groupsClaim: z.string().min(1).default('groups'),
    algorithms: z.array(z.enum(ID_TOKEN_ALGORITHMS)).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
  })
  .strict();

export type IdentityProviderConfig = z.infer<typeof identityProviderSchema>;

/**
 * The one configuration schema. Wire names are camelCase here because they are our own;
 * every field has a default except the secrets and the issuer, which a deployment must choose.
 */
export const configSchema = z
  .object({
    mode: z.enum(['dev', 'production']).default('production'),
    issuer: z
      .url({ protocol: /^https?$/, error: required('an http(s) URL (or GATEHOUSE_ISSUER)') })
      .describe('the public base URL of this Gatehouse, e.g. https://mcp.example.com'),
    listen: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
      })
      .prefault({}),
    secret: z
      .string({ error: required('a string (or GATEHOUSE_SECRET)') })
      .min(1)
      .describe('HMAC secret for token hashes, user ids and CSRF; at least 32 characters'),
    encryptionKeys: z
      .array(
        z.object({
          id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a key id is 1-32 characters of [A-Za-z0-9_-]'),
          key: z.string().min(1).describe('32 random bytes, base64 or base64url'),
        }),
      )
      .min(1, 'at least one encryption key is required; the first encrypts, the others only decrypt')
      .optional()
      .refine(
        (keys) => keys !== undefined,
        'is required: a list of {id, key} (or GATEHOUSE_ENCRYPTION_KEYS=id:key)',
      )
      .transform((keys) => keys ?? []),
    database: z
      .object({
        url: z.string().min(1).default('sqlite:./.gatehouse/gatehouse.db'),
        poolSize: z.number().int().min(1).max(200).default(10),
      })
      .prefault({}),
    http: z
      .object({
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .max(10 * 1024 * 1024)
          .default(64 * 1024),
        trustProxyHops: z.number().int().min(0).max(10).default(0),
        allowedOrigins: z
          .array(z.url())
          .default([])
          .describe('browser origins (besides the issuer) allowed to call protected MCP endpoints'),
        rateLimit: z
          .object({
            enabled: z.boolean().default(true),
            windowSeconds: z.number().int().min(1).max(3600).default(60),
            maxRequestsPerIp: z.number().int().min(1).default(600),
            maxRequestsPerUser: z
              .number()
              .int()
              .min(1)
              .default(1200)
              .describe(
                'requests per signed-in identity per window on protected endpoints, across instances',
              ),
          })
          .prefault({}),
      })
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        pretty: z.boolean().default(false),
      })
      .prefault({}),
    metrics: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .describe('serve Prometheus metrics on their own listener (never on the public port)'),
        host: z.string().min(1).default('127.0.0.1').describe("the metrics listener's address"),
        port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .default(9464)
          .describe("the metrics listener's port (0: any free port)"),
      })
      .prefault({}),
    tracing: z
      .object({
        enabled: z.boolean().default(false).describe('export OpenTelemetry traces over OTLP/HTTP'),
        endpoint: z
          .url({ protocol: /^https?$/ })
          .default('http://127.0.0.1:4318/v1/traces')
          .describe('the OTLP/HTTP traces endpoint of your collector'),
        serviceName: z.string().min(1).default('gatehouse').describe('service.name of the spans'),
        sampleRatio: z
          .number()
          .min(0)
          .max(1)
          .default(1)
          .describe('share of new traces recorded (a sampled caller trace is always followed)'),
      })
      .prefault({}),
    resources: z
      .array(resourceSchema)
      .min(1, 'at least one protected resource is required')
      .default([
        {
          path: '/mcp',
          name: 'MCP server',
          scopes: [{ name: 'mcp:tools', description: 'Use the tools of this MCP server', default: true }],
          auth: ['oauth', 'pat'],
          upstream: { demo: true, timeoutSeconds: 60 },
          credential: { mode: 'none', header: 'authorization' },
          requiredScopes: [],
          toolScopes: {},
          hideToolsWithoutScope: false,
        },
      ]),
    hub: hubSchema,
    personalAccessTokens: z
      .object({
        enabled: z.boolean().default(true),
        requireExpiry: z.boolean().default(true),
        defaultLifetimeDays: z.number().int().min(1).max(3650).default(30),
        maxLifetimeDays: z.number().int().min(1).max(3650).default(90),
      })
      .prefault({}),
    serviceToken: z
      .object({
        token: z
          .string()
          .min(1)
          .optional()
          .describe('or GATEHOUSE_SERVICE_TOKEN; at least 32 characters; accepted where auth lists service'),
        name: z
          .string()
          .regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash, underscore')
          .default('service'),
        scopes: z
          .array(z.string().min(1))
          .default([])
          .describe('scopes the service identity holds at each resource (empty: all of them)'),
      })
      .prefault({}),
    clients: z
      .array(
        z.object({
          clientId: z.string().min(1).max(255),
          clientName: z.string().min(1),
          redirectUris: z.array(z.string().min(1)).min(1),
          tokenEndpointAuthMethod: z
            .enum(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'])
            .default('none'),
          clientSecret: z
            .string()
            .min(32)
            .optional()
            .describe('for client_secret_basic / client_secret_post; at least 32 characters'),
          jwks: z
            .object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) })
            .optional()
            .describe('private_key_jwt: the client public keys (a JWK Set)'),
          jwksUri: z
            .url()
            .optional()
            .describe('private_key_jwt: where the client publishes its keys (https)'),
        }),
      )
      .default([]),
    tokens: z
      .object({
        accessTokenTtlSeconds: z.number().int().min(60).max(86_400).default(3600),
        refreshTokenTtlSeconds: z
          .number()
          .int()
          .min(300)
          .max(90 * 86_400)
          .default(86_400),
        authorizationCodeTtlSeconds: z.number().int().min(10).max(600).default(60),
        refreshGraceSeconds: z.number().int().min(0).max(300).default(30),
        grantMaxLifetimeDays: z
          .number()
          .int()
          .min(1)
          .max(3650)
          .default(30)
          .describe('an authorization ends this long after sign-in, however often it is refreshed'),
        verificationCacheSeconds: z.number().int().min(0).max(30).default(5),
      })
      .prefault({}),
    registration: z
      .object({
        enabled: z.boolean().default(true),
        allowPublicClients: z.boolean().default(true),
        unusedExpiryDays: z.number().int().min(1).max(3650).default(90),
        maxPerIpPerHour: z
          .number()
          .int()
          .min(1)
          .default(20)
          .describe('registrations one IP address may make per hour (anonymous, so bounded)'),
        privateUseSchemes: z
          .enum(['any', 'reverse-dns', 'none'])
          .default('any')
          .describe(
            'redirect URIs with a private-use scheme (cursor://…) that DCR and CIMD clients may register: any, reverse-DNS only (com.example.app:/cb), or none',
          ),
      })
      .prefault({}),
    cimd: z
      .object({
        enabled: z.boolean().default(true),
        allowHosts: z
          .array(z.string().min(1))
          .default([])
          .describe('empty: any host; else host names or *.domain'),
        denyHosts: z.array(z.string().min(1)).default([]),
        allowLoopbackDocuments: z
          .boolean()
          .default(false)
          .describe('dev/test only: fetch documents from loopback'),
        maxCacheSeconds: z
          .number()
          .int()
          .min(0)
          .max(7 * 86_400)
          .default(7 * 86_400),
      })
      .prefault({}),
    playground: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('/playground: signed-in users call OAuth endpoints through Gatehouse itself'),
      })
      .prefault({}),
    session: z
      .object({
        idleTimeoutSeconds: z
          .number()
          .int()
          .min(60)
          .default(8 * 3600),
        absoluteTimeoutSeconds: z
          .number()
          .int()
          .min(300)
          .default(7 * 86_400),
      })
      .prefault({}),
    devLogin: z
      .object({
        enabled: z.boolean().default(false),
        allowInsecureDevLogin: z.boolean().default(false),
      })
      .prefault({}),
    identityProviders: z.array(identityProviderSchema).default([]),
    access: z
      .object({
        allowAnyone: z
          .boolean()
          .default(false)
          .describe('admit every user the identity provider vouches for (with a verified email)'),
        domains: z.array(z.string().regex(DOMAIN, 'an email domain like example.com')).default([]),
        emails: z.array(z.string().regex(EMAIL, 'an email address')).default([]),
        groups: z.array(z.string().min(1)).default([]),
        admins: z
          .object({
            emails: z.array(z.string().regex(EMAIL, 'an email address')).default([]),
            groups: z.array(z.string().min(1)).default([]),
          })
          .prefault({}),
        helpText: z
          .string()
          .max(500)
          .default('Ask your administrator for access.')
          .describe('shown to a refused user: how to get help'),
      })
      .prefault({}),
    identity: z
      .object({
        recheckIntervalSeconds: z
          .number()
          .int()
          .min(0)
          .max(86_400)
          .default(900)
          .describe('at most one re-validation with the IdP per user in this interval, at refresh-token use'),
        sweepIntervalSeconds: z.number().int().min(10).max(86_400).default(300),
        staleUserSeconds: z
          .number()
          .int()
          .min(60)
          .default(86_400)
          .describe('the sweep re-checks users with live grants not re-validated for this long'),
        jwksCooldownSeconds: z.number().int().min(0).max(600).default(30),
        timeoutSeconds: z.number().int().min(1).max(60).default(10),
      })
      .prefault({}),
    audit: z
      .object({
        retentionDays: z.number().int().min(1).max(3650).default(90),
      })
      .prefault({}),
  })
  .strict();

export type GatehouseConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
