import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type ZodError, z } from 'zod';
import { auditConfig, envName, type Finding, findPlaceholderValues } from './audit';
import { auditHubEnvironment } from './hub-audit';
import { configSchema, type GatehouseConfig } from './schema';

export type ConfigResult =
  | { ok: true; config: GatehouseConfig; findings: Finding[] }
  | { ok: false; findings: Finding[] };

/** Environment variables that override the file, so secrets need not live in it. */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const nested = (name: string): Record<string, unknown> => {
    const value = out[name];
    const copy = value && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
    out[name] = copy;
    return copy as Record<string, unknown>;
  };
  if (env.GATEHOUSE_SECRET) out.secret = env.GATEHOUSE_SECRET;
  if (env.GATEHOUSE_ISSUER) out.issuer = env.GATEHOUSE_ISSUER;
  if (env.GATEHOUSE_ENCRYPTION_KEYS) out.encryptionKeys = parseKeyList(env.GATEHOUSE_ENCRYPTION_KEYS);
  if (env.GATEHOUSE_DATABASE_URL) nested('database').url = env.GATEHOUSE_DATABASE_URL;
  if (env.GATEHOUSE_LOG_LEVEL) nested('log').level = env.GATEHOUSE_LOG_LEVEL;
  if (env.GATEHOUSE_PORT) nested('listen').port = Number(env.GATEHOUSE_PORT);
  if (env.GATEHOUSE_HOST) nested('listen').host = env.GATEHOUSE_HOST;
  if (env.GATEHOUSE_SERVICE_TOKEN) nested('serviceToken').token = env.GATEHOUSE_SERVICE_TOKEN;
  // A shared upstream credential named by `valueEnv` is read here, so validation stays pure.
  if (Array.isArray(out.resources))
    out.resources = out.resources.map((resource: unknown) => {
      if (!isRecord(resource) || !isRecord(resource.credential)) return resource;
      const name = resource.credential.valueEnv;
      const value = typeof name === 'string' ? env[name] : undefined;
      return value ? { ...resource, credential: { ...resource.credential, value } } : resource;
    });
  if (Array.isArray(out.identityProviders)) {
    // GATEHOUSE_IDP_<ID>_CLIENT_SECRET keeps each identity provider's client secret out of the file.
    out.identityProviders = out.identityProviders.map((idp: unknown) => {
      if (!idp || typeof idp !== 'object' || typeof (idp as { id?: unknown }).id !== 'string') return idp;
      const secret = env[`GATEHOUSE_IDP_${envName((idp as { id: string }).id)}_CLIENT_SECRET`];
      return secret ? { ...idp, clientSecret: secret } : idp;
    });
  }
  return out;
}

/** `id:key,id2:key2` -> [{id, key}, ...]; the first one encrypts. */
export function parseKeyList(text: string): Array<{ id: string; key: string }> {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      return at < 0 ? { id: 'env', key: part } : { id: part.slice(0, at), key: part.slice(at + 1) };
    });
}

export function formatZodError(error: ZodError): Finding[] {
  return error.issues.map((issue) => ({
    level: 'error' as const,
    path: issue.path.join('.') || '(root)',
    message: issue.message,
  }));
}

/** Parses and audits an already-read raw object. Pure: no file or env access. */
export function validateConfig(raw: unknown): ConfigResult {
  const placeholders = findPlaceholderValues(raw);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, findings: [...placeholders, ...formatZodError(parsed.error)] };
  const findings = [...placeholders, ...auditConfig(parsed.data)];
  return findings.some((f) => f.level === 'error')
    ? { ok: false, findings }
    : { ok: true, config: parsed.data, findings };
}

export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8');
  const data: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const asObject = z.record(z.string(), z.unknown()).safeParse(data ?? {});
  if (!asObject.success) throw new Error(`${path}: the configuration must be a mapping of keys to values`);
  return asObject.data;
}

export async function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv): Promise<ConfigResult> {
  let raw: Record<string, unknown> = {};
  if (path) {
    try {
      raw = await readConfigFile(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message =
        code === 'ENOENT'
          ? `the configuration file ${path} does not exist (gatehouse dev needs none)`
          : code === 'EACCES'
            ? `the configuration file ${path} cannot be read (permission denied)`
            : error instanceof Error
              ? error.message
              : String(error);
      return { ok: false, findings: [{ level: 'error', path: '(file)', message }] };
    }
  }
  const result = validateConfig(applyEnvOverrides(raw, env));
  // The hub reads its catalog's secrets from the environment at each request: say now which are missing.
  return result.ok
    ? { ...result, findings: [...result.findings, ...auditHubEnvironment(result.config, env)] }
    : result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
