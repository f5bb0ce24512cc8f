import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';

/**
 * The change-event bus of the hub's MCP handler, scoped to users: a `subscriptions/listen` stream is
 * opened while serving one user's request (the user is carried by `run`), and a change of one user's view
 * reaches only that user's streams; a change of the catalog reaches every stream. In process, per instance.
 * `onListening` hears when a user's first stream opens and their last one closes.
 */
export function createUserBus(onListening: (userId: string, listening: boolean) => void = () => {}) {
  const currentUser = new AsyncLocalStorage<string>();
  const listeners = new Map<(event: ServerEvent) => void, string | undefined>();
  const streamsOf = new Map<string, number>();
  const bus: ServerEventBus = {
    publish(event) {
      for (const listener of listeners.keys()) listener(event);
    },
    subscribe(listener) {
      const userId = currentUser.getStore();
      listeners.set(listener, userId);
      if (userId !== undefined) {
        const streams = (streamsOf.get(userId) ?? 0) + 1;
        streamsOf.set(userId, streams);
        if (streams === 1) onListening(userId, true);
      }
      return () => {
        if (!listeners.delete(listener) || userId === undefined) return;
        const streams = (streamsOf.get(userId) ?? 1) - 1;
        if (streams > 0) streamsOf.set(userId, streams);
        else {
          streamsOf.delete(userId);
          onListening(userId, false);
        }
      };
    },
  };
  return {
    bus,
    /** Runs `work` (a request of `userId`) so the streams it opens belong to that user. */
    run: <T>(userId: string, work: () => T): T => currentUser.run(userId, work),
    /** Tells one user's listening clients. */
    publishTo(userId: string, event: ServerEvent) {
      for (const [listener, owner] of listeners) if (owner === userId) listener(event);
    },
  };
}
