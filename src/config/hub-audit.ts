import type { Finding } from './audit';
import { catalogUrlProblem, entryTargetProblem } from './hub-schema';
import type { GatehouseConfig } from './schema';

/** The hub's own rules: unique slugs and prefixes, acceptable URLs, a path of its own, usable auth. */
export function auditHub(config: GatehouseConfig): Finding[] {
  const findings: Finding[] = [];
  const hub = config.hub;
  const error = (path: string, message: string) => findings.push({ level: 'error', path, message });
  if (hub.enabled && config.resources.some((resource) => resource.path === hub.path))
    error('hub.path', `${hub.path} is already the path of an endpoint in resources`);
  const slugs = new Map<string, number>();
  const prefixes = new Map<string, number>();
  hub.catalog.forEach((entry, index) => {
    const at = `hub.catalog.${index}`;
    const twin = slugs.get(entry.slug);
    if (twin !== undefined) error(`${at}.slug`, `"${entry.slug}" is also the slug of hub.catalog.${twin}`);
    slugs.set(entry.slug, index);
    const prefix = entry.toolPrefix ?? entry.slug;
    const samePrefix = prefix === 'none' ? undefined : prefixes.get(prefix);
    if (samePrefix !== undefined)
      error(`${at}.toolPrefix`, `"${prefix}" is also the tool prefix of hub.catalog.${samePrefix}`);
    prefixes.set(prefix, index);
    const target = entryTargetProblem(entry);
    if (target) error(at, target);
    const problem = entry.url && catalogUrlProblem(entry.url, { allowLoopbackHttp: config.mode === 'dev' });
    if (problem) error(`${at}.url`, problem.message);
    if (entry.auth.type === 'user-idp-token' && !config.identityProviders.some((idp) => idp.keepTokens))
      error(`${at}.auth`, 'user-idp-token needs an identity provider with keepTokens: true');
  });
  return findings;
}

/**
 * Warnings for the environment variables the hub's catalog names but the environment lacks: the entry
 * stays, its calls say which variable an admin must set. Reads only the given environment.
 */
export function auditHubEnvironment(
  config: GatehouseConfig,
  env: Readonly<Record<string, string | undefined>>,
): Finding[] {
  const findings: Finding[] = [];
  config.hub.catalog.forEach((entry, index) => {
    const auth = entry.auth;
    const names: Array<[string, string]> =
      auth.type === 'shared'
        ? [['auth.valueEnv', auth.valueEnv]]
        : auth.type === 'headers'
          ? auth.headers.map((header, at): [string, string] => [
              `auth.headers.${at}.valueEnv`,
              header.valueEnv,
            ])
          : auth.type === 'oauth' && auth.client?.clientSecretEnv
            ? [['auth.client.clientSecretEnv', auth.client.clientSecretEnv]]
            : [];
    for (const [field, name] of names)
      if (!env[name])
        findings.push({
          level: 'warning',
          path: `hub.catalog.${index}.${field}`,
          message: `the environment variable ${name} is not set: ${entry.name} cannot be reached until it is`,
        });
  });
  return findings;
}
