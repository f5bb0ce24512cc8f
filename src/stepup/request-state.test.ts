import { expect, it } from 'vitest';
import { describeEachDriver } from '../../test/support/databases';
import { createKeyRing, importHmacKey } from '../crypto';
import { createSqlEphemeralStore } from '../store';
import { createRequestStates } from './request-state';

describeEachDriver('a step-up requestState', (database) => {
  const call = { userId: 'u1', clientId: 'c1', tool: 'alpha__notes_add' };
  const states = async () =>
    createRequestStates({
      store: createSqlEphemeralStore(database()),
      keyRing: await createKeyRing([{ id: 'k1', key: new Uint8Array(32).fill(5) }]),
      hmacKey: await importHmacKey(new Uint8Array(32).fill(6)),
      now: Date.now,
    });

  it('is accepted by exactly one of many concurrent retries', async () => {
    const requestStates = await states();
    const state = await requestStates.issue({ stepUp: 's'.repeat(32), ...call });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => requestStates.redeem(state, call)));
    expect(outcomes.filter((outcome) => typeof outcome === 'object')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(19);
  });

  it('is refused for another user, client or tool, and foreign when not sealed by Gatehouse', async () => {
    const requestStates = await states();
    const state = await requestStates.issue({ stepUp: 's'.repeat(32), ...call });
    expect(await requestStates.redeem(state, { ...call, userId: 'u2' })).toBe('refused');
    expect(await requestStates.redeem(state, { ...call, clientId: 'c2' })).toBe('refused');
    expect(await requestStates.redeem(state, { ...call, tool: 'alpha__echo' })).toBe('refused');
    expect(await requestStates.redeem('an upstream state', call)).toBe('foreign');
    // the refusals above spent nothing: the right caller still gets it once
    expect(await requestStates.redeem(state, call)).toMatchObject({ stepUp: 's'.repeat(32) });
  });
});
