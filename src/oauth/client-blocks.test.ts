import { describe, expect, it } from 'vitest';
import { cimdHostOf, createClientBlocks } from './client-blocks';
import type { ClientBlock, ClientBlockStore } from './store';

/** The shared table, as another instance would write it. */
function memoryStore(): ClientBlockStore & { rows: ClientBlock[] } {
  const rows: ClientBlock[] = [];
  return {
    rows,
    list: async () => [...rows],
    async add(block) {
      rows.push(block);
      return true;
    },
    async remove(key, kind) {
      const at = rows.findIndex((row) => row.key === key && row.kind === kind);
      if (at >= 0) rows.splice(at, 1);
      return at >= 0;
    },
  };
}

describe('client blocks', () => {
  it('refuses a blocked client id, and every CIMD client of a blocked host name', async () => {
    const store = memoryStore();
    const blocks = createClientBlocks(store, () => 0);
    await blocks.add({ key: 'dcr_abc', kind: 'client', createdAt: 0, createdBy: null });
    await blocks.add({ key: 'evil.example', kind: 'host', createdAt: 0, createdBy: null });
    expect(await blocks.refusal('dcr_abc')).toMatch(/blocked/);
    expect(await blocks.refusal('dcr_other')).toBeUndefined();
    for (const id of [
      'https://evil.example/client.json',
      'https://EVIL.example:8443/other.json',
      'https://evil.example./client.json',
    ])
      expect(await blocks.refusal(id)).toBe('clients from evil.example are blocked by the administrator');
    expect(await blocks.refusal('https://good.example/client.json')).toBeUndefined();
    expect(await blocks.refusal('https://sub.evil.example/client.json')).toBeUndefined();
  });

  it("sees another instance's change within five seconds, and its own at once", async () => {
    let now = 0;
    const store = memoryStore();
    const blocks = createClientBlocks(store, () => now);
    expect(await blocks.refusal('dcr_abc')).toBeUndefined();
    store.rows.push({ key: 'dcr_abc', kind: 'client', createdAt: 0, createdBy: null });
    now = 4999;
    expect(await blocks.refusal('dcr_abc')).toBeUndefined();
    now = 5000;
    expect(await blocks.refusal('dcr_abc')).toMatch(/blocked/);
    await blocks.remove('dcr_abc', 'client');
    expect(await blocks.refusal('dcr_abc')).toBeUndefined();
  });

  it('reads the host of a CIMD client id only', () => {
    expect(cimdHostOf('https://App.Example.:443/c.json')).toBe('app.example');
    expect(cimdHostOf('dcr_abc')).toBeUndefined();
  });
});
