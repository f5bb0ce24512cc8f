import pg from 'pg';
import { sha256 } from '../../src/crypto';
import { createPostgresDatabase } from '../support/databases';
import { freePort } from '../support/gatehouse';
import { type ServedGatehouse, startServedGatehouse } from '../support/served-gatehouse';

export const REDIRECT = 'http://127.0.0.1:9/cb';

/** What every instance of the cluster runs: the dev login, one client, the demo endpoint. */
export const CLUSTER_CONFIG = `
devLogin: { enabled: true, allowInsecureDevLogin: true }
access: { allowAnyone: true }
clients: [{ clientId: cli, clientName: CLI, redirectUris: ["${REDIRECT}"] }]
tokens: { verificationCacheSeconds: 1 }
resources:
  - path: /mcp
    scopes: [{ name: "mcp:tools", description: tools }]
`;

/**
 * `count` Gatehouse processes behind one public issuer, sharing one PostgreSQL database of their own, as
 * several instances behind a load balancer run. The first one's address is the issuer.
 */
export async function startCluster(count: number, logLevel = 'warn') {
  const database = await createPostgresDatabase();
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const start = (port: number) =>
    startServedGatehouse(CLUSTER_CONFIG, { issuer, databaseUrl: database.url, port, logLevel });
  const instances: ServedGatehouse[] = [];
  const killedOutputs: string[] = [];
  // One after the other: the first applies the migrations.
  for (const port of ports) instances.push(await start(port));
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const query = <Row extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    pool.query<Row>(text, values);
  return {
    issuer,
    instances,
    database,
    query,
    /** the grant an access token belongs to, read from the shared database */
    async grantOfAccessToken(token: string): Promise<string> {
      const { rows } = await query<{ grant_id: string }>(
        'select grant_id from oauth_access_tokens where token_hash = $1',
        [await sha256(token)],
      );
      return rows[0]?.grant_id ?? '';
    },
    /** what every process printed, killed ones included */
    output: () => [...killedOutputs, ...instances.map((instance) => instance.output())].join('\n'),
    /** starts the instance at `index` again on its port (after a kill) */
    async restart(index: number) {
      const port = ports[index] as number;
      killedOutputs.push(instances[index]?.output() ?? '');
      instances[index] = await start(port);
      return instances[index];
    },
    async stop() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await pool.end();
      await database.drop();
    },
  };
}
