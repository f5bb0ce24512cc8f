import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/gatehouse';
import type { CliIo } from './io';
import { main } from './main';

const BIN = resolve(import.meta.dirname, '../../bin/gatehouse.js');
const KEY = Buffer.alloc(32, 9).toString('base64');

function capture(env: NodeJS.ProcessEnv = {}, cwd = tmpdir()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd };
  return { io, out, err };
}

function writeConfig(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  const path = join(dir, 'gatehouse.yaml');
  writeFileSync(path, body);
  return path;
}

const goodConfig = (dir: string) => `issuer: https://gatehouse.example.com
secret: 0123456789abcdef0123456789abcdef-long
encryptionKeys:
  - id: k1
    key: ${KEY}
database:
  url: sqlite:${join(dir, 'db.sqlite')}
`;

describe('gatehouse doctor', () => {
  it('passes a good config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const { io, out } = capture();
    expect(await main(['doctor', '--config', writeConfig(goodConfig(dir))], io)).toBe(0);
    expect(out.at(-1)).toMatch(/is valid \(production mode\)/);
  });

  it('prints every finding and fails on a placeholder config', async () => {
    const path = writeConfig(
      'issuer: http://gatehouse.example.com\nsecret: changeme\nencryptionKeys: [{id: k1, key: "<key>"}]\n',
    );
    const { io, err } = capture();
    expect(await main(['doctor', '--config', path], io)).toBe(1);
    expect(err).toEqual([
      'ERROR   secret: is a placeholder value; set a real one',
      'ERROR   encryptionKeys.0.key: is a placeholder value; set a real one',
      'ERROR   issuer: must be https unless it is a loopback address (OAuth 2.1 §1.5)',
      `configuration ${path} is invalid`,
    ]);
  });

  it('takes secrets from the environment', async () => {
    const path = writeConfig('issuer: https://gatehouse.example.com\n');
    const { io } = capture({
      GATEHOUSE_SECRET: 'x'.repeat(8) + 'y'.repeat(30),
      GATEHOUSE_ENCRYPTION_KEYS: `k:${KEY}`,
    });
    expect(await main(['doctor', '--config', path], io)).toBe(0);
  });
});

describe('gatehouse serve / migrate / help', () => {
  it('serve refuses to start on an invalid config', async () => {
    const path = writeConfig('issuer: https://gatehouse.example.com\nsecret: changeme\n');
    const { io, err } = capture();
    expect(await main(['serve', '--config', path], io)).toBe(1);
    expect(err.at(-1)).toMatch(/^refusing to start/);
  });

  it('migrate applies the migrations once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const path = writeConfig(goodConfig(dir));
    const first = capture();
    expect(await main(['migrate', '--config', path], first.io)).toBe(0);
    expect(first.out[0]).toMatch(/^applied: 0001_ephemeral, 0002_oauth/);
    const second = capture();
    expect(await main(['migrate', '--config', path], second.io)).toBe(0);
    expect(second.out).toEqual(['database is up to date']);
  });

  it('clients add, list and remove pre-registered clients; the secret is shown once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const path = writeConfig(goodConfig(dir));
    const added = capture();
    const args = [
      'clients',
      'add',
      '--config',
      path,
      '--name',
      'Team tool',
      '--redirect-uri',
      'http://127.0.0.1/cb',
      '--confidential',
    ];
    expect(await main(args, added.io)).toBe(0);
    const clientId = /client_id: (\S+)/.exec(added.out.join('\n'))?.[1] ?? '';
    expect(added.out.join('\n')).toMatch(/client_secret: gcs_/);
    const listed = capture();
    expect(await main(['clients', 'list', '--config', path], listed.io)).toBe(0);
    expect(listed.out.join('\n')).toContain(
      `${clientId}\tTeam tool\tclient_secret_basic\thttp://127.0.0.1/cb`,
    );
    expect(listed.out.join('\n')).not.toContain('gcs_');
    const bad = capture();
    expect(
      await main(
        ['clients', 'add', '--config', path, '--name', 'x', '--redirect-uri', 'http://evil.example.com/cb'],
        bad.io,
      ),
    ).toBe(2);
    expect(bad.err.join('\n')).toMatch(/loopback/);
    expect(await main(['clients', 'remove', clientId, '--config', path], capture().io)).toBe(0);
    expect(await main(['clients', 'remove', clientId, '--config', path], capture().io)).toBe(1);
    const audit = capture();
    expect(await main(['audit', '--config', path, '--since', '1h'], audit.io)).toBe(0);
    const events = audit.out.map((line) => JSON.parse(line));
    expect(events.map((e) => [e.event, e.clientId])).toEqual([
      ['admin.client.added', clientId],
      ['admin.client.removed', clientId],
    ]);
    expect(events[0].details).toMatchObject({ by: 'cli', name: 'Team tool', confidential: true });
    expect(audit.out.join('\n')).not.toContain('gcs_');
    expect(await main(['audit', '--config', path, '--since', '1h', '--since', 'x'], capture().io)).toBe(2);
    const later = capture();
    expect(
      await main(
        ['audit', '--config', path, '--since', new Date(Date.now() + 60_000).toISOString()],
        later.io,
      ),
    ).toBe(0);
    expect(later.out).toEqual([]);
    const sweep = capture();
    expect(await main(['sweep', '--config', path], sweep.io)).toBe(0);
    expect(JSON.parse(sweep.out[0] ?? '{}')).toMatchObject({ checked: 0, revoked: 0, auditPurged: 0 });
  });

  it('prints help for each command and refuses unknown ones', async () => {
    for (const command of ['dev', 'serve', 'migrate', 'doctor', 'clients']) {
      const { io, out } = capture();
      expect(await main([command, '--help'], io)).toBe(0);
      expect(out[0]).toContain(`gatehouse ${command}`);
    }
    const unknown = capture();
    expect(await main(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err[0]).toMatch(/unknown command "frobnicate"/);
    const badFlag = capture();
    expect(await main(['doctor', '--nope'], badFlag.io)).toBe(2);
    const badPort = capture();
    expect(await main(['dev', '--port', 'abc'], badPort.io)).toBe(2);
  });

  it('prints its version and `help <command>`', async () => {
    const version = capture();
    expect(await main(['--version'], version.io)).toBe(0);
    const manifest = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(version.out).toEqual([`gatehouse ${manifest.version}`]);
    const topic = capture();
    expect(await main(['help', 'token'], topic.io)).toBe(0);
    expect(topic.out[0]).toMatch(/^gatehouse token create/);
    const unknown = capture();
    expect(await main(['help', 'frobnicate'], unknown.io)).toBe(2);
    expect(unknown.err[0]).toMatch(/no command "frobnicate"/);
  });

  it('prints the configuration JSON Schema, generated from the schema it validates with', async () => {
    const { io, out } = capture();
    expect(await main(['config', 'schema'], io)).toBe(0);
    const schema = JSON.parse(out.join('\n'));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.properties.issuer).toMatchObject({ type: 'string', format: 'uri' });
    expect(schema.properties.hub.properties.connectTools).toMatchObject({ type: 'boolean', default: true });
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['cimd', 'registration', 'tokens', 'clients', 'resources', 'hub']),
    );
    const usage = capture();
    expect(await main(['config'], usage.io)).toBe(2);
    expect(usage.err[0]).toContain('gatehouse config schema');
  });

  it('says in one line that a file given with --config does not exist', async () => {
    const { io, err } = capture();
    expect(await main(['serve', '--config', '/nonexistent/gatehouse.yaml'], io)).toBe(1);
    expect(err[0]).toBe(
      'ERROR   (file): the configuration file /nonexistent/gatehouse.yaml does not exist (gatehouse dev needs none)',
    );
  });
});

/** Starts `gatehouse dev` as a real process and waits for it to print its URL. */
function startDev(
  cwd: string,
  port: number,
  env: NodeJS.ProcessEnv = { CI: 'true' },
): Promise<{ stop: () => Promise<void>; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'dev', '--port', String(port)], {
    cwd,
    env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const stop = () =>
    new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`dev did not start: ${output}`)), 15_000);
    child.stdout.on('data', () => {
      if (output.includes('listening on')) {
        clearTimeout(timer);
        ready({ stop, output: () => output });
      }
    });
    child.once('exit', (code) => fail(new Error(`dev exited ${code}: ${output}`)));
  });
}

describe('admin commands without a config', () => {
  it('use the development instance in ./.gatehouse, and say so; with none there, one clear line', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-devadmin-'));
    const none = capture({}, cwd);
    expect(await main(['audit'], none.io)).toBe(1);
    expect(none.err.join('\n')).toContain('no --config FILE given, and no development instance here');

    // What `gatehouse dev` leaves behind: its secrets and its database.
    const { devConfig } = await import('./serve');
    const { composeCore } = await import('../compose');
    const { createLogger } = await import('../telemetry');
    const config = devConfig(capture({}, cwd).io, 8787);
    if (!config) throw new Error('no dev config');
    const core = await composeCore(config, { logger: createLogger({ level: 'silent' }) });
    await core.database.close();

    const added = capture({}, cwd);
    const args = ['clients', 'add', '--name', 'Dev app', '--redirect-uri', 'http://127.0.0.1:9/cb'];
    expect(await main(args, added.io)).toBe(0);
    expect(added.err).toContain(`using the development instance in ${join(cwd, '.gatehouse')}`);
    const listed = capture({}, cwd);
    expect(await main(['clients', 'list'], listed.io)).toBe(0);
    expect(listed.out.join('\n')).toContain('Dev app');
    const audit = capture({}, cwd);
    expect(await main(['audit', '--since', '1h'], audit.io)).toBe(0);
    expect(audit.out.map((line) => JSON.parse(line).event)).toContain('admin.client.added');
    expect(await main(['sweep'], capture({}, cwd).io)).toBe(0);
    // A config named in the environment is used instead: here an invalid one, refused.
    expect(await main(['audit'], capture({ GATEHOUSE_ISSUER: 'not a url' }, cwd).io)).toBe(1);
  });
});

describe('gatehouse dev', () => {
  it('a port already in use is one clear line and exit 1, not a stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = (busy.address() as AddressInfo).port;
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-dev-'));
    try {
      const child = spawn(process.execPath, [BIN, 'dev', '--port', String(port)], {
        cwd,
        env: { ...process.env, CI: 'true' },
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        `port ${port} on 127.0.0.1 is in use: stop what runs there, or pick another port (gatehouse dev --port N, npm start -- --port N, or GATEHOUSE_PORT)`,
      );
    } finally {
      busy.close();
    }
  }, 20_000);

  it('starts with zero config, keeps generated secrets (0600) across restarts and answers /readyz', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-dev-'));
    const port = await freePort();
    const first = await startDev(cwd, port);
    try {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      // Metrics on a loopback listener of their own, named in the banner.
      const metricsUrl = /metrics: {4}(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(first.output())?.[1];
      expect(metricsUrl).toBeDefined();
      const scraped = await (await fetch(metricsUrl ?? '')).text();
      expect(scraped).toContain('gatehouse_http_requests_total{route="/readyz",method="GET",status="200"} 1');
    } finally {
      await first.stop();
    }
    expect(first.output()).toContain(`MCP:        http://127.0.0.1:${port}/mcp`);
    expect(first.output()).toContain(`home:       http://127.0.0.1:${port}/  (`);
    expect(first.output()).toContain(
      'sign in:    the development login, any address; admins: dev@example.com',
    );
    const secretsPath = join(cwd, '.gatehouse', 'dev-secrets.json');
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(secretsPath, 'utf8');
    expect(statSync(join(cwd, '.gatehouse', 'gatehouse.db')).size).toBeGreaterThan(0);

    const second = await startDev(cwd, port);
    await second.stop();
    expect(readFileSync(secretsPath, 'utf8')).toBe(secrets);
  });

  it('writes readable log lines without colour codes when its output is not a terminal', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-dev-'));
    const port = await freePort();
    // Not CI: the human-readable (pretty) lines of `gatehouse dev`, piped here as into a file.
    const dev = await startDev(cwd, port, { CI: undefined });
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await dev.stop();
    }
    expect(dev.output()).toMatch(/INFO.*database migrated/);
    expect(dev.output()).not.toContain('\u001b[');
  });
});
