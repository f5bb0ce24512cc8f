import { canonicalHost, looksLikeCimdUrl } from './cimd';
import type { ClientBlock, ClientBlockStore } from './store';

/** The host name a CIMD client_id is served from, as blocks compare it (no port, no trailing dot). */
export function cimdHostOf(clientId: string): string | undefined {
  if (!looksLikeCimdUrl(clientId)) return undefined;
  try {
    return canonicalHost(new URL(clientId).hostname);
  } catch {
    return undefined;
  }
}

/** How long an instance trusts its copy of the block list: a block reaches every instance within it. */
const REFRESH_MS = 5000;

export interface ClientBlocks {
  /** Why this client may not be used now, or undefined when it may. */
  refusal(clientId: string): Promise<string | undefined>;
  list(): Promise<ClientBlock[]>;
  add(block: ClientBlock): Promise<boolean>;
  remove(key: string, kind: ClientBlock['kind']): Promise<boolean>;
}

/**
 * The admin's block list, read on every client resolution (authorize, token, registration) from a copy
 * refreshed every few seconds: the list is small, the lookups are hot. A change here drops the copy at once.
 */
export function createClientBlocks(store: ClientBlockStore, now: () => number): ClientBlocks {
  let copy: { clients: Set<string>; hosts: Set<string>; at: number } | undefined;
  const current = async () => {
    if (copy && now() - copy.at < REFRESH_MS) return copy;
    const blocks = await store.list();
    copy = {
      clients: new Set(blocks.filter((block) => block.kind === 'client').map((block) => block.key)),
      hosts: new Set(
        blocks.filter((block) => block.kind === 'host').map((block) => canonicalHost(block.key)),
      ),
      at: now(),
    };
    return copy;
  };
  return {
    async refusal(clientId) {
      const { clients, hosts } = await current();
      if (clients.size === 0 && hosts.size === 0) return undefined;
      if (clients.has(clientId)) return 'this client is blocked by the administrator';
      const host = hosts.size > 0 ? cimdHostOf(clientId) : undefined;
      if (host !== undefined && hosts.has(host))
        return `clients from ${host} are blocked by the administrator`;
      return undefined;
    },
    list: () => store.list(),
    async add(block) {
      copy = undefined;
      return store.add(block);
    },
    async remove(key, kind) {
      copy = undefined;
      return store.remove(key, kind);
    },
  };
}
