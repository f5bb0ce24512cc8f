import { listTools } from '../support/mcp-call';
import {
  authorizeThroughPages,
  authorizeUrl,
  createBrowser,
  devLogin,
  pkcePair,
  tokenRequest,
} from '../support/oauth-driver';
import { createPatThroughPage } from '../support/pat';
import { REDIRECT, type startCluster } from './cluster';

type Cluster = Awaited<ReturnType<typeof startCluster>>;

export interface LoadReport {
  seconds: number;
  /** outcomes by operation and class ("exchange 200", "refresh connection-lost", …) */
  outcomes: Record<string, number>;
  /** grant ids of successful code exchanges, in order */
  exchangedGrants: string[];
  /** HTTP 500 answers (never expected) */
  serverErrors: number;
  /** refresh chains that ended although nothing revoked them */
  chainsLost: number;
}

const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * A bounded mixed load on a cluster (loopback only): authorization code flows, refresh chains, tool calls
 * with OAuth tokens and with a personal access token, spread over the instances at random. Midway one
 * instance is killed with SIGKILL and started again. A request to the killed process fails as a lost
 * connection; a refresh whose answer was lost is retried at another instance with the same token (within
 * the grace it gets the kept answer, or takes the dead winner's place once), as a real client would.
 */
export async function runMixedLoad(cluster: Cluster, seconds: number, workers = 6): Promise<LoadReport> {
  const report: LoadReport = { seconds, outcomes: {}, exchangedGrants: [], serverErrors: 0, chainsLost: 0 };
  const count = (key: string) => {
    report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
  };
  const pick = () =>
    cluster.instances[Math.floor(Math.random() * cluster.instances.length)] ?? cluster.instances[0];
  const classify = (status: number) => {
    if (status >= 500) report.serverErrors++;
    return String(status);
  };
  /** One request; a connection refused or reset (the killed process) is a class of its own. */
  async function attempt<T extends { status: number }>(
    op: string,
    send: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      const answer = await send();
      count(`${op} ${classify(answer.status)}`);
      return answer;
    } catch {
      count(`${op} connection-lost`);
      return undefined;
    }
  }

  const patBrowser = createBrowser(cluster.instances[0]?.url ?? '');
  await devLogin(patBrowser, 'pat-owner@example.com');
  const pat = (
    await createPatThroughPage(patBrowser, {
      name: 'load',
      resource: '/mcp',
      scope: 'mcp:tools',
      expires_days: '7',
    })
  ).token;

  async function codeFlow(email: string) {
    const base = pick()?.url ?? '';
    const pkce = await pkcePair();
    let landed: URL;
    try {
      landed = await authorizeThroughPages(
        createBrowser(base),
        authorizeUrl(base, {
          response_type: 'code',
          client_id: 'cli',
          redirect_uri: REDIRECT,
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
        { email },
      );
    } catch {
      count('authorize connection-lost');
      return undefined;
    }
    count('authorize ok');
    const exchanged = await attempt('exchange', () =>
      tokenRequest(pick()?.url ?? '', {
        grant_type: 'authorization_code',
        client_id: 'cli',
        code: landed.searchParams.get('code') ?? '',
        code_verifier: pkce.verifier,
        redirect_uri: REDIRECT,
      }),
    );
    if (exchanged?.status !== 200) return undefined;
    const grant = await cluster.grantOfAccessToken(exchanged.body.access_token ?? '');
    report.exchangedGrants.push(grant);
    return exchanged.body;
  }

  async function worker(id: number, deadline: number) {
    let tokens = await codeFlow(`load-${id}@example.com`);
    while (Date.now() < deadline) {
      const roll = Math.random();
      if (!tokens || roll < 0.15) {
        tokens = (await codeFlow(`load-${id}@example.com`)) ?? tokens;
      } else if (roll < 0.45) {
        const presented = tokens.refresh_token;
        let answer = await attempt('refresh', () =>
          tokenRequest(pick()?.url ?? '', {
            grant_type: 'refresh_token',
            client_id: 'cli',
            refresh_token: presented,
          }),
        );
        // The answer was lost with the process: the same token again, elsewhere (the grace answers it).
        for (let retry = 0; !answer && retry < 5; retry++) {
          await wait(200);
          answer = await attempt('refresh-retry', () =>
            tokenRequest(cluster.instances[0]?.url ?? '', {
              grant_type: 'refresh_token',
              client_id: 'cli',
              refresh_token: presented,
            }),
          );
        }
        if (answer?.status === 200) tokens = answer.body;
        else if (answer) {
          report.chainsLost++;
          tokens = undefined;
        }
      } else if (roll < 0.8) {
        await attempt('tool-call', () => listTools(pick()?.url ?? '', tokens?.access_token ?? ''));
      } else if (pat) {
        await attempt('pat-call', () => listTools(pick()?.url ?? '', pat));
      }
    }
  }

  const deadline = Date.now() + seconds * 1000;
  const chaos = (async () => {
    await wait((seconds * 1000) / 3);
    await cluster.instances[1]?.kill();
    count('chaos killed-instance-1');
    await wait(2_000);
    await cluster.restart(1);
    count('chaos restarted-instance-1');
  })();
  await Promise.all([...Array.from({ length: workers }, (_, id) => worker(id, deadline)), chaos]);
  return report;
}

/** Invariants read from the database after a load. */
export async function checkInvariants(cluster: Cluster, report: LoadReport) {
  const { rows: forked } = await cluster.query<{ grant_id: string; live: string }>(
    'select grant_id, count(*) as live from oauth_refresh_tokens where rotated_at is null group by grant_id having count(*) > 1',
  );
  const { rows: grants } = await cluster.query<{ id: string }>('select id from oauth_grants');
  const existing = new Set(grants.map((row) => row.id));
  return {
    forkedFamilies: forked.length,
    duplicatedGrants: report.exchangedGrants.length - new Set(report.exchangedGrants).size,
    lostGrants: report.exchangedGrants.filter((id) => !existing.has(id)).length,
  };
}

/** Credentials, codes, cookies or emails in any line any instance printed. */
export function leakedSecrets(output: string): string[] {
  const patterns = [
    /\bgat_[\w-]{10,}/,
    /\bgrt_[\w-]{10,}/,
    /\bgac_[\w-]{10,}/,
    /\bgth_[\w-]{10,}/,
    /gh_session=[\w-]{8,}/,
    /[\w.-]+@example\.com/,
  ];
  return patterns.filter((pattern) => pattern.test(output)).map(String);
}
