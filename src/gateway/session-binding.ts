import { constantTimeEqual, type HmacKey, hmacSha256 } from '../crypto';

/**
 * Binds an upstream's `Mcp-Session-Id` to the caller it was created for. The upstream sees one shared
 * credential for many users, so a raw session id would let one caller resume another's session (MCP
 * security best practices, "session hijacking"). Callers get `<upstream id>.<MAC>`; Gatehouse forwards a
 * session id only when the MAC matches the presenting caller.
 */
export function createSessionBinding(key: HmacKey, endpoint: string) {
  const mac = async (caller: string, upstreamId: string) =>
    (await hmacSha256(key, `mcp-session|${endpoint}|${caller}|${upstreamId}`)).slice(0, 22);
  return {
    async wrap(caller: string, upstreamId: string): Promise<string> {
      return `${upstreamId}.${await mac(caller, upstreamId)}`;
    },
    /** The upstream id, or undefined when the id was not issued to this caller. */
    async unwrap(caller: string, presented: string): Promise<string | undefined> {
      const dot = presented.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const upstreamId = presented.slice(0, dot);
      return constantTimeEqual(presented.slice(dot + 1), await mac(caller, upstreamId))
        ? upstreamId
        : undefined;
    },
  };
}

export type SessionBinding = ReturnType<typeof createSessionBinding>;
