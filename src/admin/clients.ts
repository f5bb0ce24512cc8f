import { canonicalHost } from '../oauth/cimd';
import { type ClientBlocks, cimdHostOf } from '../oauth/client-blocks';
import type { StaticClientConfig } from '../oauth/clients';
import type { AuthorizationServerDeps } from '../oauth/deps';
import { revokeGrant } from '../oauth/grant-actions';
import type { ClientUsage } from '../oauth/store';
import type { AuditLog } from '../telemetry';

export interface ClientAdminDeps {
  oauth: AuthorizationServerDeps;
  /** the clients of the configuration file */
  configured: readonly Pick<StaticClientConfig, 'clientId' | 'clientName'>[];
  blocks: ClientBlocks;
  audit: AuditLog;
  now(): number;
}

export type ClientOrigin = 'config' | 'cli' | 'dcr' | 'cimd';

export interface ClientRow {
  clientId: string;
  name: string;
  origin: ClientOrigin;
  /** a CIMD client's host (what its users trust) */
  host?: string;
  createdAt?: number;
  lastUsedAt?: number;
  /** users holding a live grant */
  users: number;
  blocked: boolean;
  /** a dynamically registered client nobody holds a grant of */
  deletable: boolean;
}

/**
 * Every client Gatehouse knows: from the configuration, added on the command line, registered (DCR), and
 * CIMD clients someone holds a grant of (their documents are not fetched to draw the page) — with how many
 * users hold a grant and when one was last used. Blocked clients stay listed so they can be unblocked.
 */
export async function clientRows(deps: ClientAdminDeps): Promise<{ rows: ClientRow[]; hosts: string[] }> {
  const at = deps.now();
  const usage = new Map<string, ClientUsage>(
    (await deps.oauth.grants.usageByClient(at)).map((entry) => [entry.clientId, entry]),
  );
  const blocks = await deps.blocks.list();
  const blockedIds = new Set(blocks.filter((block) => block.kind === 'client').map((block) => block.key));
  const rows = new Map<string, ClientRow>();
  const add = (row: Omit<ClientRow, 'users' | 'blocked' | 'deletable'> & { lastUsedAt?: number }) => {
    const used = usage.get(row.clientId);
    const lastUsedAt = Math.max(row.lastUsedAt ?? 0, used?.lastUsedAt ?? 0);
    rows.set(row.clientId, {
      ...row,
      ...(lastUsedAt > 0 ? { lastUsedAt } : {}),
      users: used?.users ?? 0,
      blocked: blockedIds.has(row.clientId),
      deletable: row.origin === 'dcr' && !used,
    });
  };
  for (const client of deps.configured)
    add({ clientId: client.clientId, name: client.clientName, origin: 'config' });
  for (const kind of ['static', 'dcr'] as const)
    for (const stored of await deps.oauth.clients.list(kind)) {
      const name = stored.metadata.client_name;
      add({
        clientId: stored.clientId,
        name: typeof name === 'string' ? name : '',
        origin: kind === 'static' ? 'cli' : 'dcr',
        createdAt: stored.createdAt,
        lastUsedAt: stored.lastUsedAt,
      });
    }
  for (const clientId of [...usage.keys(), ...blockedIds]) {
    const host = cimdHostOf(clientId);
    if (rows.has(clientId) || !host) continue;
    add({ clientId, name: host, origin: 'cimd', host });
  }
  const sorted = [...rows.values()].sort(
    (a, b) => (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0) || a.clientId.localeCompare(b.clientId),
  );
  const hosts = blocks.filter((block) => block.kind === 'host').map((block) => block.key);
  return { rows: sorted, hosts };
}

export type ClientAction =
  | { kind: 'block'; clientId: string }
  | { kind: 'unblock'; clientId: string }
  | { kind: 'block-host'; host: string }
  | { kind: 'unblock-host'; host: string }
  | { kind: 'delete'; clientId: string };

export type ClientActionResult = { ok: true; message: string } | { ok: false; error: string };

/**
 * An admin's action on clients, audited with the admin as `by`. A block refuses the client (or every CIMD
 * client of a host) at authorization, token and registration, and revokes every grant of it now.
 */
export async function actOnClients(
  deps: ClientAdminDeps,
  action: ClientAction,
  adminId: string,
): Promise<ClientActionResult> {
  const by = { by: adminId };
  switch (action.kind) {
    case 'block': {
      if (!action.clientId || action.clientId.length > 2048) return { ok: false, error: 'Name a client.' };
      await deps.blocks.add({
        key: action.clientId,
        kind: 'client',
        createdAt: deps.now(),
        createdBy: adminId,
      });
      const revoked = await revokeClients(deps, (clientId) => clientId === action.clientId);
      await deps.audit.record({
        event: 'admin.client.blocked',
        clientId: action.clientId,
        details: { ...by, revoked },
      });
      return { ok: true, message: `${action.clientId} is blocked (${revoked} grants revoked).` };
    }
    case 'unblock': {
      if (!(await deps.blocks.remove(action.clientId, 'client')))
        return { ok: false, error: 'That client is not blocked.' };
      await deps.audit.record({ event: 'admin.client.unblocked', clientId: action.clientId, details: by });
      return { ok: true, message: `${action.clientId} may be used again.` };
    }
    case 'block-host': {
      const host = canonicalHost(action.host.trim());
      // A host name as in a CIMD client_id URL (every port of it): a DNS name or an address.
      if (!/^[a-z0-9.-]{1,253}$/.test(host) && !/^\[[0-9a-f:.]+\]$/.test(host))
        return { ok: false, error: 'A host looks like client.example.com (no scheme, port or path).' };
      await deps.blocks.add({ key: host, kind: 'host', createdAt: deps.now(), createdBy: adminId });
      const revoked = await revokeClients(deps, (clientId) => cimdHostOf(clientId) === host);
      await deps.audit.record({
        event: 'admin.client.blocked',
        reason: 'host',
        details: { ...by, host, revoked },
      });
      return { ok: true, message: `Clients from ${host} are blocked (${revoked} grants revoked).` };
    }
    case 'unblock-host': {
      const host = canonicalHost(action.host.trim());
      if (!(await deps.blocks.remove(host, 'host'))) return { ok: false, error: 'That host is not blocked.' };
      await deps.audit.record({ event: 'admin.client.unblocked', reason: 'host', details: { ...by, host } });
      return { ok: true, message: `Clients from ${host} may be used again.` };
    }
    case 'delete': {
      const stored = await deps.oauth.clients.get(action.clientId, deps.now());
      if (stored?.kind !== 'dcr')
        return { ok: false, error: 'Only a registered (DCR) client can be deleted.' };
      if ((await deps.oauth.grants.idsForClient(action.clientId, deps.now())).length > 0)
        return { ok: false, error: 'Someone still uses this client: block it, or revoke its grants first.' };
      await deps.oauth.clients.delete(action.clientId);
      await deps.audit.record({ event: 'admin.client.deleted', clientId: action.clientId, details: by });
      return { ok: true, message: `${action.clientId} is deleted.` };
    }
  }
}

/** Revokes every live grant (with its tokens) of the clients that match; how many. */
async function revokeClients(deps: ClientAdminDeps, matches: (clientId: string) => boolean): Promise<number> {
  let revoked = 0;
  for (const { clientId } of await deps.oauth.grants.usageByClient(deps.now())) {
    if (!matches(clientId)) continue;
    for (const id of await deps.oauth.grants.idsForClient(clientId, deps.now())) {
      await revokeGrant(deps.oauth, id);
      revoked++;
    }
  }
  return revoked;
}
