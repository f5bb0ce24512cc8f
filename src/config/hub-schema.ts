import { z } from 'zod';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** A header sent to the upstream; its value comes from the environment, never from the config or the database. */
const headerSchema = z.strictObject({
  name: z.string().regex(HEADER_NAME, 'an HTTP header name'),
  valueEnv: z.string().regex(ENV_NAME, 'an environment variable name'),
});

/** How Gatehouse authenticates to one catalog upstream on a user's behalf. */
export const catalogAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('oauth').describe('the upstream has its own authorization server; each user connects'),
    scopes: z.array(z.string().regex(SCOPE_TOKEN)).default([]).describe('upstream scopes asked for'),
    templates: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a short name like read-only'),
          description: z.string().min(1).max(200),
          scopes: z.array(z.string().regex(SCOPE_TOKEN)).min(1),
        }),
      )
      .default([])
      .describe('named scope sets users choose from (e.g. read-only, full)'),
    scopeDescriptions: z
      .record(z.string().regex(SCOPE_TOKEN), z.string().min(1).max(200))
      .optional()
      .describe('what each scope allows, shown beside its checkbox when a user connects or steps up'),
    client: z
      .strictObject({
        clientId: z.string().min(1).max(255),
        clientSecretEnv: z.string().regex(ENV_NAME).optional(),
      })
      .optional()
      .describe('pre-registered credentials, for an upstream with neither CIMD nor DCR'),
  }),
  z.strictObject({
    type: z.literal('headers').describe('admin-set static headers, values from the environment'),
    headers: z.array(headerSchema).min(1),
  }),
  z.strictObject({
    type: z.literal('shared').describe('one server-side key for every user'),
    header: z.string().regex(HEADER_NAME).default('authorization'),
    valueEnv: z.string().regex(ENV_NAME).describe('the whole header value, e.g. "Bearer sk_…"'),
  }),
  z.strictObject({
    type: z.literal('user-idp-token').describe("the user's token from the sign-in identity provider"),
    header: z.string().regex(HEADER_NAME).default('authorization'),
  }),
  z.strictObject({ type: z.literal('none') }),
]);

/** One approved upstream MCP server of the hub's catalog. */
export const catalogEntrySchema = z.strictObject({
  slug: z.string().regex(SLUG, 'a slug: lower-case letters, digits and dashes, at most 32'),
  name: z.string().min(1).max(100),
  description: z.string().max(500).default(''),
  url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('the upstream MCP endpoint (Streamable HTTP)'),
  stdio: z
    .strictObject({
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).default({}).describe('added to a minimal environment'),
      cwd: z.string().min(1).optional(),
    })
    .optional()
    .describe('config only: a local MCP server run as a child process (one for every user; auth none)'),
  auth: catalogAuthSchema.default({ type: 'none' }),
  toolPrefix: z
    .string()
    .regex(/^(?:[A-Za-z0-9_-]{1,32})$/)
    .optional()
    .describe('prefix of its tools (default: the slug); "none" shows plain names when they cannot collide'),
  enabled: z.boolean().default(true),
  timeoutSeconds: z.number().min(0.1).max(3600).default(60),
});

export const hubSchema = z
  .object({
    enabled: z.boolean().default(false),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/)
      .default('/hub/mcp')
      .describe('the aggregated MCP endpoint'),
    name: z.string().min(1).default('Gatehouse hub'),
    catalog: z.array(catalogEntrySchema).default([]).describe('seeded at start; admin edits are kept'),
    listCacheSeconds: z.number().int().min(0).max(3600).default(30),
    refreshBeforeExpirySeconds: z.number().int().min(0).max(3600).default(60),
    connectTools: z
      .boolean()
      .default(true)
      .describe(
        'list `<prefix>__connect` for each OAuth server a user has not connected (connect on demand)',
      ),
    stepUpWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(20)
      .describe('how long a 2026-07-28 retry waits for the user to finish a step-up before "still waiting"'),
  })
  .prefault({});

export type HubConfig = z.infer<typeof hubSchema>;
export type CatalogEntryConfig = z.infer<typeof catalogEntrySchema>;
export type CatalogAuth = z.infer<typeof catalogAuthSchema>;

/**
 * What is wrong with an entry's target, or undefined: a Streamable HTTP `url` or (config only) a `stdio`
 * command, exactly one; a child process has no per-user credential, so its auth is `none` (its secrets go
 * in `stdio.env`).
 */
export function entryTargetProblem(
  entry: Pick<CatalogEntryConfig, 'url' | 'stdio' | 'auth'>,
): string | undefined {
  if ((entry.url === undefined) === (entry.stdio === undefined))
    return 'give either url or stdio (exactly one)';
  if (entry.stdio && entry.auth.type !== 'none')
    return 'a stdio server takes auth none: give the child its secrets in stdio.env';
  return undefined;
}

/**
 * Why an upstream MCP URL cannot be in the catalog, or undefined: the URL must parse, be https (http only
 * to loopback, and only in development), and carry no credentials or fragment. The status is the one an
 * API answers with.
 */
export function catalogUrlProblem(
  value: string,
  options: { allowLoopbackHttp: boolean },
): { status: 400; message: string } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { status: 400, message: `"${value.slice(0, 200)}" is not a URL` };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
  if (url.protocol === 'http:' && !(loopback && options.allowLoopbackHttp))
    return {
      status: 400,
      message: options.allowLoopbackHttp
        ? 'the URL must be https (http only to a loopback address)'
        : 'the URL must be https',
    };
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { status: 400, message: 'the URL must be https' };
  if (url.username || url.password) return { status: 400, message: 'the URL must not carry credentials' };
  if (url.hash) return { status: 400, message: 'the URL must not have a fragment' };
  return undefined;
}
