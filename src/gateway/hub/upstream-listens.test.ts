import { describe, expect, it } from 'vitest';
import { createLogger, createMemoryDestination } from '../../telemetry';
import type { Links, UpstreamLink } from './links';
import { coalesceChanges, createUpstreamListens } from './upstream-listens';
import type { Views } from './view';

/** A stand-in link whose listens can be ended from the test, as an upstream's quiet timeout would. */
function fakeLink(era: 'modern' | 'legacy', capabilities: Record<string, unknown>) {
  const opened: Array<{ filter: unknown; end(how: 'remote' | 'local'): void; closed: boolean }> = [];
  const client = {
    getServerCapabilities: () => capabilities,
    async listen(filter: unknown) {
      let end: (how: 'remote' | 'local') => void = () => {};
      const closed = new Promise<'remote' | 'local'>((resolve) => {
        end = resolve;
      });
      const record = { filter, end, closed: false };
      opened.push(record);
      return {
        closed,
        async close() {
          record.closed = true;
          end('local');
        },
      };
    },
  };
  return {
    link: { client, era, protocolVersion: '', sessionId: undefined } as unknown as UpstreamLink,
    opened,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setUp() {
  const modern = fakeLink('modern', { tools: { listChanged: true }, prompts: { listChanged: true } });
  const quiet = fakeLink('modern', { tools: {} });
  const legacy = fakeLink('legacy', { tools: { listChanged: true } });
  const bySlug: Record<string, UpstreamLink> = {
    modern: modern.link,
    quiet: quiet.link,
    legacy: legacy.link,
  };
  const views = {
    view: async () => ({ entries: Object.keys(bySlug).map((slug) => ({ slug })) }),
  } as unknown as Views;
  const links = {
    get: async (_userId: string, entry: { slug: string }) => bySlug[entry.slug],
  } as unknown as Links;
  const logger = createLogger({ level: 'error', destination: createMemoryDestination() });
  const listens = createUpstreamListens({ views, links, logger, retryMs: 20 });
  return { listens, modern, quiet, legacy };
}

describe('upstream listens', () => {
  it('listen to what each 2026-07-28 upstream announces, and to nothing else', async () => {
    const { listens, modern, quiet, legacy } = setUp();
    listens.start('alice');
    await listens.ready('alice');
    expect(modern.opened.map((o) => o.filter)).toEqual([
      { toolsListChanged: true, promptsListChanged: true },
    ]);
    expect(quiet.opened).toEqual([]);
    expect(legacy.opened).toEqual([]);
    expect(listens.ready('bob')).toBeUndefined();
    listens.close();
  });

  it('listen again after a listen ends while the user listens, later each time it ended early; never after the user stopped', async () => {
    const { listens, modern } = setUp();
    listens.start('alice');
    await listens.ready('alice');
    // Ended at once: the next listen comes after twice the wait (40 ms), then four times (80 ms).
    modern.opened[0]?.end('remote');
    await sleep(25);
    expect(modern.opened).toHaveLength(1);
    await expect.poll(() => modern.opened.length, { timeout: 2_000, interval: 5 }).toBe(2);
    modern.opened[1]?.end('remote');
    await sleep(50);
    expect(modern.opened).toHaveLength(2);
    await expect.poll(() => modern.opened.length, { timeout: 2_000, interval: 5 }).toBe(3);
    expect(modern.opened[2]?.closed).toBe(false);

    // Two streams asked (a 2026-07-28 listen and a 2025 stream): the upstream listens last until both end.
    listens.start('alice');
    listens.stop('alice');
    expect(modern.opened[2]?.closed).toBe(false);
    listens.stop('alice');
    expect(modern.opened[2]?.closed).toBe(true);
    await sleep(200);
    expect(modern.opened).toHaveLength(3);
    expect(listens.ready('alice')).toBeUndefined();
  });

  it('pass a flood of changes on as the first at once and one more per window, per key', async () => {
    const passed: string[] = [];
    const change = coalesceChanges<string>(40, (key) => passed.push(key));
    for (let i = 0; i < 50; i++) change('tools:alice');
    change('prompts:alice');
    expect(passed).toEqual(['tools:alice', 'prompts:alice']);
    await expect.poll(() => passed.length, { timeout: 2_000, interval: 5 }).toBe(3);
    expect(passed[2]).toBe('tools:alice');
    // Quiet since: nothing more; a later change passes at once again.
    await sleep(120);
    expect(passed).toHaveLength(3);
    change('tools:alice');
    expect(passed).toHaveLength(4);
  });
});
