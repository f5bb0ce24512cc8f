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
