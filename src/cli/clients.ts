import { randomId, sha256 } from '../crypto';
import { validateClientMetadata } from '../oauth/client-metadata';
import { cliOperator, withCore } from './core';
import type { CliIo } from './io';

export interface ClientsArgs {
  action: string | undefined;
  config: string | undefined;
  name: string | undefined;
  redirectUris: string[];
  confidential: boolean;
  clientId: string | undefined;
}

/** `gatehouse clients add|list|remove`: pre-registered clients kept in the database, for admins. */
export async function clientsCommand(args: ClientsArgs, io: CliIo): Promise<number> {
  if (!['add', 'list', 'remove'].includes(args.action ?? '')) {
    io.err('usage: gatehouse clients add|list|remove --config FILE (see gatehouse clients --help)');
    return 2;
  }
  return withCore(args.config, io, async (core) => {
    const store = core.oauth.clients;
    // Admin changes are audited; the operator is the local account that ran the command.
    const { audit } = core;
    const operator = cliOperator();
    if (args.action === 'list') {
      const clients = await store.list('static');
      for (const client of clients) {
        const meta = client.metadata as {
          client_name?: string;
          redirect_uris?: string[];
          token_endpoint_auth_method?: string;
        };
        io.out(
          `${client.clientId}\t${meta.client_name}\t${meta.token_endpoint_auth_method}\t${(meta.redirect_uris ?? []).join(' ')}`,
        );
      }
      if (clients.length === 0)
        io.out('no pre-registered clients in the database (config clients are listed in the config)');
      return 0;
    }
    if (args.action === 'remove') {
      if (!args.clientId) {
        io.err('usage: gatehouse clients remove CLIENT_ID --config FILE');
        return 2;
      }
      const removed = await store.delete(args.clientId);
      if (removed)
        await audit.record({ event: 'admin.client.removed', clientId: args.clientId, details: operator });
      (removed ? io.out : io.err)(removed ? `removed ${args.clientId}` : `no client ${args.clientId}`);
      return removed ? 0 : 1;
    }
    const check = validateClientMetadata(
      {
        client_name: args.name,
        redirect_uris: args.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: args.confidential ? 'client_secret_basic' : 'none',
      },
      'dcr',
    );
    if (!args.name || !check.ok) {
      io.err(check.ok ? '--name is required' : check.reason);
      return 2;
    }
    const clientId = `gh_${randomId(16)}`;
    const secret = args.confidential ? `gcs_${randomId()}` : undefined;
    const at = Date.now();
    await store.create({
      clientId,
      kind: 'static',
      secretHash: secret ? await sha256(secret) : null,
      metadata: check.metadata as unknown as Record<string, unknown>,
      createdAt: at,
      lastUsedAt: at,
      expiresAt: null,
    });
    await audit.record({
      event: 'admin.client.added',
      clientId,
      details: { ...operator, name: args.name, confidential: args.confidential },
    });
    io.out(`client_id: ${clientId}`);
    if (secret) io.out(`client_secret: ${secret}\n(shown once; only its hash is stored)`);
    return 0;
  });
}
