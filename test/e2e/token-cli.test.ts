import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { startTestGatehouse, TEST_KEY, type TestGatehouse } from '../support/gatehouse';
import { listTools } from '../support/mcp-call';
import { createBrowser, devLogin } from '../support/oauth-driver';

/** `gatehouse token` against the database of a running Gatehouse (SQLite file, shared). */
describe('gatehouse token create|list|revoke', () => {
  let gh: TestGatehouse;
  let configPath: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-token-'));
    const db = join(dir, 'gatehouse.db');
    gh = await startTestGatehouse({ database: { url: `sqlite:${db}` } });
    configPath = join(dir, 'gatehouse.yaml');
    writeFileSync(
      configPath,
      `issuer: ${gh.url}
mode: dev
secret: ${gh.config.secret}
encryptionKeys: [{ id: t1, key: "${TEST_KEY}" }]
database: { url: "sqlite:${db}" }
devLogin: { enabled: true }
access: { allowAnyone: true }
`,
    );
    await devLogin(createBrowser(gh.url), 'dana@example.com');
  });
  afterAll(async () => {
    await gh?.close();
  });

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: tmpdir() };
    const code = await main(['token', ...args, '--config', configPath], io);
    return { code, out, err };
  };
  const call = (token: string) => listTools(gh.url, token);

  it('refuses a token for a user an admin blocked (the block revoked everything they held)', async () => {
    await devLogin(createBrowser(gh.url), 'blocked@example.com');
    const [record] = await gh.database.db
      .selectFrom('users')
      .select('id')
      .orderBy('last_login_at', 'desc')
      .execute();
    await gh.database.db
      .updateTable('users')
      .set({ blocked_at: Date.now() })
      .where('id', '=', record?.id ?? '')
      .execute();
    const refused = await run(
      'create',
      '--user',
      'blocked@example.com',
      '--name',
      'x',
      '--scope',
      'mcp:tools',
    );
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toContain('blocked@example.com is blocked by an admin');
    expect(await gh.database.db.selectFrom('personal_access_tokens').selectAll().execute()).toEqual([]);
  });

  it('creates a token for a user (printed once), lists it by prefix and revokes it', async () => {
    const created = await run(
      'create',
      '--user',
      'DANA@example.com',
      '--name',
      'nightly job',
      '--scope',
      'mcp:tools',
      '--expires-days',
      '7',
    );
    expect(created.err).toEqual([]);
    expect(created.code).toBe(0);
    const token = /^token: (gth_\S+)$/m.exec(created.out.join('\n'))?.[1] ?? '';
    const id = /^id: (pat_\S+)$/m.exec(created.out.join('\n'))?.[1] ?? '';
    expect((await call(token)).status).toBe(200);

    const listed = await run('list', '--user', 'dana@example.com');
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toContain(id);
    expect(listed.out[0]).toContain(`${token.slice(0, 12)}…`);
    expect(listed.out.join('\n')).not.toContain(token);

    expect((await run('revoke', id)).code).toBe(0);
    expect((await call(token)).status).toBe(401);
    expect((await run('revoke', id)).code).toBe(1);
    const audited = await gh.database.db
      .selectFrom('audit_events')
      .select(['event'])
      .where('event', 'like', 'pat.%')
      .execute();
    expect(audited.map((row) => row.event)).toEqual(['pat.created', 'pat.revoked']);
  });

  it('says clearly when the user is unknown or the request invalid', async () => {
    const unknown = await run(
      'create',
      '--user',
      'nobody@example.com',
      '--name',
      'x',
      '--scope',
      'mcp:tools',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err[0]).toMatch(/has signed in to this Gatehouse yet/);
    const tooLong = await run(
      'create',
      '--user',
      'dana@example.com',
      '--name',
      'x',
      '--scope',
      'mcp:tools',
      '--expires-days',
      '999',
    );
    expect(tooLong.code).toBe(2);
    expect(tooLong.err[0]).toMatch(/1 to 90 days/);
    expect((await run('frobnicate')).code).toBe(2);
  });
});
