import { createPat, listPats } from '../resource/pat';
import { cliOperator, withCore } from './core';
import type { CliIo } from './io';

export interface TokenArgs {
  action: string | undefined;
  id: string | undefined;
  config: string | undefined;
  user: string | undefined;
  idp: string | undefined;
  name: string | undefined;
  resource: string | undefined;
  scopes: string[];
  expiresDays: string | undefined;
}

const USAGE = 'usage: gatehouse token create|list|revoke --config FILE (see gatehouse token --help)';

/** `gatehouse token create|list|revoke`: personal access tokens, for admins. Every change is audited. */
export async function tokenCommand(args: TokenArgs, io: CliIo): Promise<number> {
  if (!['create', 'list', 'revoke'].includes(args.action ?? '')) {
    io.err(USAGE);
    return 2;
  }
  return withCore(args.config, io, async (core, config) => {
    const operator = cliOperator();
    if (args.action === 'revoke') {
      const id = args.id ?? '';
      const hash = /^pat_[\w-]{16,64}$/.test(id) ? await core.pats.store.delete(id) : undefined;
      if (!hash) {
        io.err(`no token ${id}`);
        return 1;
      }
      await core.audit.record({ event: 'pat.revoked', clientId: `pat:${id}`, details: operator });
      io.out(`revoked ${id}`);
      return 0;
    }
    if (!args.user) {
      io.err('--user EMAIL is required');
      return 2;
    }
    const candidates = await core.directory.findByEmail(args.user);
    const users = [];
    for (const record of candidates) {
      const profile = await core.directory.profile(record);
      if (!args.idp || profile.idp === args.idp)
        users.push({ id: record.id, idp: profile.idp, blocked: Boolean(record.blockedAt) });
    }
    if (users.length === 0) {
      io.err(`no user ${args.user}${args.idp ? ` at ${args.idp}` : ''} has signed in to this Gatehouse yet`);
      return 1;
    }
    const user = users[0];
    if (users.length > 1 || !user) {
      io.err(
        `${args.user} signed in through several identity providers (${users.map((u) => u.idp).join(', ')}): add --idp`,
      );
      return 2;
    }
    if (args.action === 'list') {
      for (const token of await listPats(core.pats, user.id)) {
        const date = (at: number | null) => (at === null ? 'never' : new Date(at).toISOString());
        io.out(
          [
            token.id,
            `${token.prefix}…`,
            token.name,
            token.resource,
            token.scopes.join(' '),
            `used ${date(token.lastUsedAt)}`,
            `expires ${date(token.expiresAt)}`,
          ].join('\t'),
        );
      }
      return 0;
    }
    // A blocked user holds nothing; a token made here would undo the block.
    if (user.blocked) {
      io.err(`${args.user} is blocked by an admin: unblock them at /admin/users first`);
      return 1;
    }
    const defaultResource = core.resources.find((r) => (r.auth ?? ['oauth', 'pat']).includes('pat'));
    const created = await createPat(core.pats, user.id, {
      name: args.name,
      resourcePath: args.resource ?? defaultResource?.path,
      scopes: args.scopes,
      expiresInDays:
        args.expiresDays === 'never'
          ? null
          : args.expiresDays === undefined
            ? config.personalAccessTokens.defaultLifetimeDays
            : Number(args.expiresDays),
    });
    if (!created.ok) {
      io.err(created.reason);
      return 2;
    }
    await core.audit.record({
      event: 'pat.created',
      userId: user.id,
      clientId: `pat:${created.id}`,
      details: { ...operator, name: args.name },
    });
    io.out(`id: ${created.id}`);
    io.out(`token: ${created.token}`);
    io.out('(shown once; only its hash is stored)');
    return 0;
  });
}
