import type { KeyRing } from '../../crypto';
import { randomId } from '../../crypto';

/** What a 2025-era client declared at `initialize`, recalled on its later requests. */
export interface LegacySession {
  /** random, names the session's notification stream */
  id: string;
  userId: string;
  clientId: string;
  capabilities: Record<string, unknown>;
}

const AAD = 'hub-legacy-session';

/**
 * The hub serves 2025-era clients statelessly, yet a tool call must know what the client declared at
 * `initialize` (URL elicitation may only be sent to a client that declared it). So the initialize answer
 * carries an `Mcp-Session-Id` that is the declaration itself, sealed (AES-256-GCM): no server state, any
 * instance can read it, and a client cannot forge capabilities into it or use another user's. An id that
 * does not open is ignored (the client is treated as having declared nothing), never refused: a restart
 * or a key rotation must not break a connected client.
 */
export function createLegacySessions(keyRing: KeyRing) {
  return {
    issue(userId: string, clientId: string, capabilities: Record<string, unknown>): Promise<string> {
      const session: LegacySession = { id: randomId(16), userId, clientId, capabilities };
      return keyRing.encrypt(JSON.stringify(session), AAD);
    },
    /** The session a request names, if it was issued to this user and client. */
    async read(
      header: string | undefined,
      caller: { userId: string; clientId: string },
    ): Promise<LegacySession | undefined> {
      if (!header || header.length > 4096) return undefined;
      try {
        const session = JSON.parse(await keyRing.decrypt(header, AAD)) as LegacySession;
        return session.userId === caller.userId && session.clientId === caller.clientId ? session : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

export type LegacySessions = ReturnType<typeof createLegacySessions>;

/** Whether a client's declared capabilities include URL-mode elicitation (an empty `elicitation` is form only). */
export function declaresUrlElicitation(capabilities: unknown): boolean {
  if (!capabilities || typeof capabilities !== 'object') return false;
  const elicitation = (capabilities as { elicitation?: unknown }).elicitation;
  return (
    !!elicitation &&
    typeof elicitation === 'object' &&
    !!(elicitation as { url?: unknown }).url &&
    typeof (elicitation as { url?: unknown }).url === 'object'
  );
}

const KEEPALIVE_MS = 25_000;
const STREAMS_PER_USER = 16;
const encoder = new TextEncoder();

/**
 * The 2025-era notification streams (`GET` with the session id): in process, per instance. Used for what
 * the hub itself tells a legacy client — a finished URL elicitation, a changed tool list. `onStream` hears
 * each stream open and close.
 */
export function createLegacyStreams(onStream: (userId: string, open: boolean) => void = () => {}) {
  const streams = new Map<string, { userId: string; push(message: unknown): void; close(): void }>();
  let opened = 0;
  return {
    open(session: LegacySession): ReadableStream<Uint8Array> {
      // A bound on what one user holds open: the oldest stream gives way (Map order is opening order).
      const own = [...streams.values()].filter((stream) => stream.userId === session.userId);
      if (own.length >= STREAMS_PER_USER) own[0]?.close();
      opened += 1;
      const key = `${session.id}\u0000${opened}`;
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        clearInterval(timer);
        if (streams.delete(key)) onStream(session.userId, false);
      };
      return new ReadableStream<Uint8Array>({
        start(controller) {
          const write = (text: string) => {
            try {
              controller.enqueue(encoder.encode(text));
            } catch {
              stop();
            }
          };
          // A comment first (the client sees the stream is open), then one every 25 s for idle proxies.
          write(': open\n\n');
          timer = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
          timer.unref();
          streams.set(key, {
            userId: session.userId,
            push: (message) => write(`event: message\ndata: ${JSON.stringify(message)}\n\n`),
            close: () => {
              stop();
              try {
                controller.close();
              } catch {
                // already closed by the client
              }
            },
          });
          onStream(session.userId, true);
        },
        cancel: stop,
      });
    },
    /** To the streams of one session (the one whose call asked for the elicitation). */
    toSession(sessionId: string, message: unknown) {
      for (const [key, stream] of streams) if (key.startsWith(`${sessionId}\u0000`)) stream.push(message);
    },
    /** To every stream of one user. */
    toUser(userId: string, message: unknown) {
      for (const stream of streams.values()) if (stream.userId === userId) stream.push(message);
    },
    close() {
      for (const stream of streams.values()) stream.close();
    },
  };
}

export type LegacyStreams = ReturnType<typeof createLegacyStreams>;
