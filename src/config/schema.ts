import { z } from 'zod';

/** Error text that says "is required" when the field is absent and what is expected otherwise. */
function required(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? `is required: ${expected}` : `must be ${expected}`;
}

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
    resources: z
      .array(
        z.object({
          path: z
            .string()
            .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, 'a path like /mcp (no trailing slash, no query)'),
          name: z.string().min(1).default('MCP server'),
          scopes: z
            .array(
              z.object({
                name: z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope token (RFC 6749 §3.3)'),
                description: z.string().min(1),
                default: z.boolean().default(true).describe('granted when a client asks for no scope'),
              }),
            )
            .min(1),
        }),
      )
      .min(1, 'at least one protected resource is required')
      .default([
        {
          path: '/mcp',
          name: 'MCP server',
          scopes: [{ name: 'mcp:tools', description: 'Use the tools of this MCP server', default: true }],
        },
      ]),
    clients: z
      .array(
        z.object({
          clientId: z.string().min(1).max(255),
          clientName: z.string().min(1),
          redirectUris: z.array(z.string().min(1)).min(1),
          tokenEndpointAuthMethod: z
            .enum(['none', 'client_secret_basic', 'client_secret_post'])
            .default('none'),
          clientSecret: z
            .string()
            .min(32)
            .optional()
            .describe('for confidential clients; at least 32 characters'),
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
        verificationCacheSeconds: z.number().int().min(0).max(30).default(5),
      })
      .prefault({}),
    registration: z
      .object({
        enabled: z.boolean().default(true),
        allowPublicClients: z.boolean().default(true),
        unusedExpiryDays: z.number().int().min(1).max(3650).default(90),
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
  })
  .strict();

export type GatehouseConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
