import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createMcpHandler, Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Logger } from '../telemetry';
import type { UpstreamFetch } from './proxy';

export interface StdioUpstreamConfig {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd?: string | undefined;
}

/** Any result: the bridge forwards what the child answers without judging it. */
const AnyResult = z.looseObject({});
const RESTART_DELAYS_MS = [100, 500, 2000, 5000];

/**
 * A local MCP server run as a child process over stdio, offered to the proxy as a Streamable HTTP fetch:
 * Gatehouse serves the HTTP side with the SDK's server (stateless) and forwards every request to one SDK
 * client connected to the child. The child is started on first use, restarted (with backoff) if it dies,
 * and stopped with Gatehouse.
 */
export function createStdioUpstream(config: StdioUpstreamConfig, logger: Logger) {
  let connection: Promise<Client> | undefined;
  let crashes = 0;
  let closed = false;

  function connect(): Promise<Client> {
    if (closed) return Promise.reject(new Error('the stdio upstream is stopped'));
    connection ??= (async () => {
      const client = new Client(
        { name: 'gatehouse', version: '0.1.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const transport = new StdioClientTransport({
        command: config.command,
        args: [...config.args],
        env: { PATH: process.env.PATH ?? '', ...config.env },
        ...(config.cwd ? { cwd: config.cwd } : {}),
        stderr: 'inherit',
      });
      client.onclose = () => {
        connection = undefined;
        if (closed) return;
        const delay = RESTART_DELAYS_MS[Math.min(crashes++, RESTART_DELAYS_MS.length - 1)] ?? 5000;
        logger.warn({ command: config.command, restartInMs: delay }, 'stdio upstream exited; restarting');
        setTimeout(() => {
          connect().then(
            () => {
              crashes = 0;
            },
            (error: unknown) => logger.error({ err: error }, 'stdio upstream failed to start'),
          );
        }, delay).unref();
      };
      try {
        await client.connect(transport);
      } catch (error) {
        connection = undefined;
        throw error;
      }
      return client;
    })();
    return connection;
  }

  const handler = createMcpHandler(async () => {
    const client = await connect();
    const server = new Server(
      {
        name: client.getServerVersion()?.name ?? 'stdio upstream',
        version: client.getServerVersion()?.version ?? '0',
      },
      { capabilities: client.getServerCapabilities() ?? {} },
    );
    server.fallbackRequestHandler = async (request) =>
      client.request({ method: request.method, params: request.params }, AnyResult);
    return server;
  });

  const fetch: UpstreamFetch = async (request) => {
    try {
      await connect();
    } catch (error) {
      // The proxy turns this into a readable error for the caller.
      throw new Error(`the stdio upstream "${config.command}" could not start`, { cause: error });
    }
    return handler.fetch(request);
  };
  return {
    fetch,
    /** the running child's pid (tests kill it to check the restart) */
    async pid(): Promise<number | null> {
      const client = await connect();
      return (client.transport as StdioClientTransport | undefined)?.pid ?? null;
    },
    async close() {
      closed = true;
      const client = await connection?.catch(() => undefined);
      await client?.close();
      await handler.close();
    },
  };
}
