import type { Logger } from '../../telemetry';
import type { Links } from './links';
import type { Views } from './view';

/** A listen that ends sooner than this counts as ended early. */
const EARLY_MS = 10_000;

interface McpSubscription {
  close(): Promise<void>;
  readonly closed: Promise<'local' | 'graceful' | 'remote'>;
}

interface UserListens {
  /** the user's open streams that asked for it (2026-07-28 listens count once; each 2025 stream once) */
  holders: number;
  stopped: boolean;
  /** entry slug -> its open upstream listen */
  open: Map<string, McpSubscription>;
  /** entry slug -> how many listens in a row ended early (each doubles the wait before the next) */
  early: Map<string, number>;
  /** settled once every upstream listen of the start is open (or failed) */
  ready: Promise<void>;
}

/**
 * While a user has a stream open on the hub for changes (a 2026-07-28 `subscriptions/listen`, or a 2025-era
 * `GET` stream), the hub listens to each of their 2026-07-28 upstreams that announces list changes, so an upstream's change reaches them (the
 * notification arrives on the link, links.ts, which reports it). Only then: a listen holds a request open
 * to each upstream, which nobody needs while nobody listens. A listen that ends (the upstream's quiet
 * timeout, a link closed or dropped) is opened again after `retryMs` while the user still listens (later
 * each time it ended early); one that cannot be opened is left until the user listens again. Per instance, like the user's own stream.
 */
export function createUpstreamListens(deps: { views: Views; links: Links; logger: Logger; retryMs: number }) {
  const users = new Map<string, UserListens>();

  async function listenTo(userId: string, state: UserListens, slug: string): Promise<void> {
    if (state.stopped || state.open.has(slug)) return;
    try {
      const entry = (await deps.views.view(userId)).entries.find((e) => e.slug === slug);
      if (!entry) return;
      const link = await deps.links.get(userId, entry);
      const announced = link.era === 'modern' ? link.client.getServerCapabilities() : undefined;
      const filter = {
        ...(announced?.tools?.listChanged ? { toolsListChanged: true } : {}),
        ...(announced?.prompts?.listChanged ? { promptsListChanged: true } : {}),
      };
      if (state.stopped || state.open.has(slug) || Object.keys(filter).length === 0) return;
      const subscription = await link.client.listen(filter);
      if (state.stopped) {
        await subscription.close();
        return;
      }
      state.open.set(slug, subscription);
      const openedAt = Date.now();
      void subscription.closed.then(() => {
        if (state.open.get(slug) === subscription) state.open.delete(slug);
        if (state.stopped) return;
        // An upstream that ends every listen at once is asked ever less often (up to 64 times the wait).
        const early = Date.now() - openedAt < EARLY_MS ? Math.min((state.early.get(slug) ?? 0) + 1, 6) : 0;
        state.early.set(slug, early);
        setTimeout(() => void listenTo(userId, state, slug), deps.retryMs * 2 ** early).unref();
      });
    } catch (error) {
      deps.logger.debug({ err: error, upstream: slug }, 'could not listen to the upstream');
    }
  }

  return {
    /** A stream of the user opened: listen to their upstreams (once however many streams ask). */
    start(userId: string) {
      const held = users.get(userId);
      if (held) {
        held.holders += 1;
        return;
      }
      const state: UserListens = {
        holders: 1,
        stopped: false,
        open: new Map(),
        early: new Map(),
        ready: Promise.resolve(),
      };
      users.set(userId, state);
      state.ready = deps.views
        .view(userId)
        .then((view) => Promise.all(view.entries.map((entry) => listenTo(userId, state, entry.slug))))
        .then(
          () => {},
          () => {},
        );
    },
    /** A stream of the user closed: the upstream listens end with the last one. */
    stop(userId: string) {
      const state = users.get(userId);
      if (!state) return;
      state.holders -= 1;
      if (state.holders > 0) return;
      users.delete(userId);
      state.stopped = true;
      for (const subscription of state.open.values()) void subscription.close().catch(() => {});
      state.open.clear();
    },
    /**
     * Settles once the user's upstream listens are open: a call waits for it, so a change it causes is
     * not sent before the hub listens for it. Immediate for a user who does not listen.
     */
    ready(userId: string): Promise<void> | undefined {
      return users.get(userId)?.ready;
    },
    close() {
      for (const state of users.values()) {
        state.stopped = true;
        for (const subscription of state.open.values()) void subscription.close().catch(() => {});
      }
      users.clear();
    },
  };
}

export type UpstreamListens = ReturnType<typeof createUpstreamListens>;

/**
 * Passes each key's first change on at once, then at most one more per `ms` (the last one, if any came):
 * an upstream that sends change after change cannot make the hub rebuild a user's view, and the user's
 * clients list everything again, for each one.
 */
export function coalesceChanges<K>(ms: number, pass: (key: K) => void) {
  const waiting = new Map<K, { again: boolean }>();
  const open = (key: K) => {
    const window = { again: false };
    waiting.set(key, window);
    setTimeout(() => {
      waiting.delete(key);
      if (window.again) {
        pass(key);
        open(key);
      }
    }, ms).unref();
  };
  return (key: K) => {
    const window = waiting.get(key);
    if (window) {
      window.again = true;
      return;
    }
    pass(key);
    open(key);
  };
}
