import type { IdentityProviderConfig } from '../config';
import { resolveProvider } from './presets';
import { createGitHubProvider } from './upstream/github';
import { createOidcProvider } from './upstream/oidc';
import type { UpstreamDeps, UpstreamProvider } from './upstream/types';

export { createUserDirectory, type Profile, type UserDirectory } from './directory';
export {
  createIdentityGuard,
  type IdentityGuard,
  IdentityProviderUnavailable,
  UpstreamTokenUnavailable,
} from './guard';
export type { Identity, UpstreamTokens } from './identity';
export type { UpstreamDeps, UpstreamProvider } from './upstream/types';

/** One client per configured identity provider, keyed by its id, in configuration order. */
export function createUpstreamProviders(
  configs: readonly IdentityProviderConfig[],
  deps: UpstreamDeps,
): Map<string, UpstreamProvider> {
  return new Map(
    configs.map((config) => {
      const settings = resolveProvider(config);
      const provider =
        settings.protocol === 'github'
          ? createGitHubProvider(settings, deps)
          : createOidcProvider(settings, deps);
      return [settings.id, provider];
    }),
  );
}
