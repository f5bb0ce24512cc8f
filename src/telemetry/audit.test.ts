import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditLog } from './audit';
import type { AuditEvent, AuditStore } from './audit-store';
import { createLogger, createMemoryDestination } from './logger';

function memoryStore(fail = false) {
  const writes: AuditEvent[][] = [];
  const store: AuditStore = {
    async append(event) {
      writes.push([event]);
    },
    async appendMany(events) {
      if (fail) throw new Error('disk full');
      writes.push([...events]);
    },
    query: async () => [],
    since: async () => [],
  };
  return { store, writes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('audit log', () => {
  it('writes security events at once and batches tool calls into one statement', async () => {
    vi.useFakeTimers();
    const { store, writes } = memoryStore();
    const audit = createAuditLog({ store, logger: createLogger({ level: 'silent' }), now: () => 1000 });
    await audit.record({ event: 'login.succeeded', userId: 'u_1' });
    expect(writes).toHaveLength(1);
    for (let i = 0; i < 3; i++) await audit.record({ event: 'tool.called', userId: 'u_1', details: { i } });
    await audit.record({ event: 'hub.tool_called', userId: 'u_1' });
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(writes).toHaveLength(2);
    expect(writes[1]?.map((event) => event.event)).toEqual([
      'tool.called',
      'tool.called',
      'tool.called',
      'hub.tool_called',
    ]);
  });

  it('writes a full batch without waiting, and what is left on flush', async () => {
    const { store, writes } = memoryStore();
    const audit = createAuditLog({ store, logger: createLogger({ level: 'silent' }), now: () => 1000 });
    for (let i = 0; i < 201; i++) await audit.record({ event: 'tool.called', userId: 'u_1' });
    expect(writes.map((batch) => batch.length)).toEqual([200]);
    await audit.flush();
    expect(writes.map((batch) => batch.length)).toEqual([200, 1]);
    await audit.flush();
    expect(writes).toHaveLength(2);
  });

  it('never throws when a batch cannot be stored: it logs the failure', async () => {
    const { store } = memoryStore(true);
    const destination = createMemoryDestination();
    const audit = createAuditLog({
      store,
      logger: createLogger({ level: 'info', destination }),
      now: () => 1000,
    });
    await audit.record({ event: 'tool.called', userId: 'u_1' });
    await expect(audit.flush()).resolves.toBeUndefined();
    expect(destination.text()).toContain('audit events could not be stored');
  });
});
