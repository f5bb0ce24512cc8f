import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';

/**
 * What `gatehouse client` remembers, in one JSON file readable only by the user (0600 in a 0700 folder):
 * per authorization server (keyed by its issuer) the client registration and, per MCP server URL, the
 * tokens it issued; per MCP server URL the issuer it was last authorized by.
 */
export interface IssuerRecord {
  client?: StoredOAuthClientInformation;
  /** how the client was obtained, for `whoami` */
  registration?: 'dcr' | 'cimd' | 'pre-registered';
  tokens: Record<string, StoredOAuthTokens & { saved_at?: number }>;
}

export interface ClientState {
  version: 1;
  issuers: Record<string, IssuerRecord>;
  servers: Record<string, { issuer: string; resource?: string }>;
}

export function emptyState(): ClientState {
  return { version: 1, issuers: {}, servers: {} };
}

/** The default location: $GATEHOUSE_CLIENT_STATE, else $XDG_CONFIG_HOME/gatehouse/client.json. */
export function defaultStatePath(env: NodeJS.ProcessEnv): string {
  if (env.GATEHOUSE_CLIENT_STATE) return env.GATEHOUSE_CLIENT_STATE;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'gatehouse', 'client.json');
}

export class StateFileError extends Error {
  override name = 'StateFileError';
}

export interface TokenStore {
  readonly path: string;
  read(): Promise<ClientState>;
  /** read-modify-write of the whole file (one CLI process at a time) */
  update(change: (state: ClientState) => void): Promise<ClientState>;
}

export function createFileTokenStore(path: string): TokenStore {
  async function read(): Promise<ClientState> {
    let text: string;
    try {
      const info = await stat(path);
      // A token file others can read is a leak: tighten it before using it.
      if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw new StateFileError(`cannot read ${path}: ${(error as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as ClientState;
      if (parsed?.version !== 1 || typeof parsed.issuers !== 'object' || typeof parsed.servers !== 'object')
        throw new Error('unknown format');
      return parsed;
    } catch (error) {
      throw new StateFileError(
        `${path} is not a gatehouse client state file (${(error as Error).message}); move it away to start over`,
      );
    }
  }
  async function write(state: ClientState): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path); // atomic: a crash never leaves half a file
  }
  return {
    path,
    read,
    async update(change) {
      const state = await read();
      change(state);
      await write(state);
      return state;
    },
  };
}

export function issuerRecord(state: ClientState, issuer: string): IssuerRecord {
  state.issuers[issuer] ??= { tokens: {} };
  return state.issuers[issuer];
}
