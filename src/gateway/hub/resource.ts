import type { HubConfig } from '../../config/hub-schema';
import { type ResourceConfig, resourceSchema } from '../../config/resource-schema';

/** The scope every hub token carries: the tools of the servers its user connected. */
export const HUB_SCOPE = 'hub:tools';

/** The hub's endpoint as a protected resource: OAuth and personal access tokens, one scope. */
export function hubResourceConfig(hub: HubConfig): ResourceConfig {
  return resourceSchema.parse({
    path: hub.path,
    name: hub.name,
    scopes: [{ name: HUB_SCOPE, description: 'Use the tools of the servers you connected', default: true }],
    auth: ['oauth', 'pat'],
  });
}
