import { z } from 'zod';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const timeoutSeconds = z
  .number()
  .min(0.1)
  .max(3600)
  .default(60)
  .describe('how long Gatehouse waits for the upstream to answer a request (a tool error after that)');

/** Where an endpoint's MCP traffic goes: a Streamable HTTP URL, a child process over stdio, or the demo. */
const upstreamSchema = z.union([
  z.strictObject({
    url: z.url({ protocol: /^https?$/ }).describe('the upstream Streamable HTTP endpoint'),
    timeoutSeconds,
  }),
  z.strictObject({
    command: z.string().min(1).describe('run as a child process speaking MCP over stdio'),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}).describe('added to a minimal environment'),
    cwd: z.string().min(1).optional(),
    timeoutSeconds,
  }),
  z.strictObject({
    demo: z.literal(true).describe('the built-in demo MCP server, in process'),
    timeoutSeconds,
  }),
]);

const credentialSchema = z
  .strictObject({
    mode: z
      .enum(['shared', 'user-upstream-token', 'passthrough', 'none'])
      .describe('what the upstream receives; callers never see a shared value'),
    header: z
      .string()
      .regex(HEADER_NAME, 'an HTTP header name')
      .default('authorization')
      .describe('the header that carries it upstream'),
    value: z
      .string()
      .min(1)
      .optional()
      .describe('shared: the whole header value, e.g. "Bearer sk_team_…"; prefer valueEnv'),
    valueEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional()
      .describe('shared: read the value from this environment variable'),
  })
  .describe('the credential sent upstream');

/** One protected MCP endpoint (an RFC 9728 protected resource). */
export const resourceSchema = z.object({
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, 'a path like /mcp (no trailing slash, no query)'),
  name: z.string().min(1).default('MCP server'),
  scopes: z
    .array(
      z.object({
        name: z.string().regex(SCOPE_TOKEN, 'a scope token (RFC 6749 §3.3)'),
        description: z.string().min(1),
        default: z.boolean().default(true).describe('granted when a client asks for no scope'),
        allow: z
          .strictObject({
            groups: z.array(z.string().min(1)).optional(),
            emails: z.array(z.string().min(3)).optional(),
            domains: z.array(z.string().min(1)).optional(),
          })
          .optional()
          .describe(
            'who may hold the scope: any listed group, address or email domain (absent: every admitted user)',
          ),
      }),
    )
    .default([]),
  auth: z
    .array(z.enum(['oauth', 'pat', 'service', 'byok']))
    .min(1)
    .default(['oauth', 'pat'])
    .describe(
      'accepted credentials: Gatehouse OAuth tokens, personal access tokens, the service token; or byok alone',
    ),
  upstream: upstreamSchema.default({ demo: true, timeoutSeconds: 60 }),
  credential: credentialSchema.default({ mode: 'none', header: 'authorization' }),
  requiredScopes: z
    .array(z.string().regex(SCOPE_TOKEN))
    .default([])
    .describe('every request needs these scopes'),
  toolScopes: z
    .record(z.string().min(1), z.array(z.string().regex(SCOPE_TOKEN)).min(1))
    .default({})
    .describe('tool name -> scopes a token needs to call it'),
  hideToolsWithoutScope: z
    .boolean()
    .default(false)
    .describe('leave tools out of tools/list for a token without their scopes (default: listed, noted)'),
});

export type ResourceConfig = z.infer<typeof resourceSchema>;
export type UpstreamConfig = ResourceConfig['upstream'];
export type CredentialConfig = ResourceConfig['credential'];
