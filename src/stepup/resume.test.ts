import { beforeEach, describe, expect, it } from 'vitest';
import { tamperBase64Url } from '../../test/support/tamper';
import { createKeyRing, importHmacKey } from '../crypto';
import type { PlainAnswer } from '../http/plain';
import type { VerifiedToken } from '../resource/verify';
import { createSqlEphemeralStore, openDatabase } from '../store';
import type { AuditInput } from '../telemetry/audit';
import { STEP_UP_INPUT } from './ask';
import { createRequestStates } from './request-state';
import { resumeStepUp } from './resume';
import { createStepUpSessions } from './sessions';

const token = { userId: 'u1', clientId: 'c1', scopes: new Set(['hub:tools']) } as unknown as VerifiedToken;
interface RpcBody {
  error: { code: number; message: string };
  result: {
    resultType?: string;
    requestState: string;
    inputRequests?: unknown;
    isError?: boolean;
    content: Array<{ text: string }>;
  };
}
const body = (answer: PlainAnswer) => JSON.parse(String(answer.body)) as RpcBody;

async function setup() {
  const database = openDatabase('sqlite::memory:');
  await database.migrate();
  const clock = { at: 1_000_000 };
  const now = () => clock.at;
  const store = createSqlEphemeralStore(database, now);
  const keyRing = await createKeyRing([{ id: 'k1', key: new Uint8Array(32).fill(7) }]);
  const hmacKey = await importHmacKey(new Uint8Array(32).fill(9));
  const audited: AuditInput[] = [];
  const stepUps = createStepUpSessions({ store, keyRing, hmacKey, now });
  const requestStates = createRequestStates({ store, keyRing, hmacKey, now });
  const deps = {
    issuer: 'https://gatehouse.test',
    stepUps,
    requestStates,
    audit: { record: async (event: AuditInput) => void audited.push(event), flush: async () => {} },
    now,
    waitMs: 0,
    pollMs: 1,
  };
  const stepUp = await stepUps.create({
    kind: 'scopes',
    userId: 'u1',
    clientId: 'c1',
    slug: 'alpha',
    tool: 'alpha__notes_add',
    reason: 'insufficient_scope',
    wanted: ['mcp:write'],
  });
  const state = () => requestStates.issue({ stepUp, userId: 'u1', clientId: 'c1', tool: 'alpha__notes_add' });
  const retry = (
    requestState: unknown,
    response: unknown = { action: 'accept' },
    name = 'alpha__notes_add',
  ) =>
    resumeStepUp(
      7,
      { name, arguments: { text: 'x' }, requestState, inputResponses: { [STEP_UP_INPUT]: response } },
      { token, modern: true },
      deps,
    );
  const complete = async () => {
    const session = await stepUps.get(stepUp);
    if (!session) throw new Error('no step-up session');
    await stepUps.complete(stepUp, session);
  };
  return { clock, stepUps, stepUp, state, retry, audited, requestStates, deps, complete };
}

describe('resuming a step-up from its MRTR retry', () => {
  let t: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    t = await setup();
  });

  it('proceeds once the user finished, with the retry fields taken out of the params', async () => {
    await t.complete();
    const resumed = await t.retry(await t.state());
    expect(resumed).toMatchObject({
      kind: 'proceed',
      params: { name: 'alpha__notes_add', arguments: { text: 'x' } },
    });
    expect(resumed.kind === 'proceed' && 'requestState' in resumed.params).toBe(false);
  });

  it('answers a fresh requestState, and no new question, while the user has not finished', async () => {
    const first = await t.state();
    const resumed = await t.retry(first);
    expect(resumed.kind).toBe('answer');
    const result = body((resumed as { answer: PlainAnswer }).answer).result;
    expect(result).toMatchObject({ resultType: 'input_required' });
    expect(result.inputRequests).toBeUndefined();
    expect(result.requestState).not.toBe(first);
    // The fresh state works for the next leg once the user is done.
    await t.complete();
    expect((await t.retry(result.requestState, undefined)).kind).toBe('proceed');
  });

  it('refuses a replayed, tampered, or another call’s requestState with -32602', async () => {
    const state = await t.state();
    await t.retry(state);
    const replayed = await t.retry(state);
    expect(body((replayed as { answer: PlainAnswer }).answer).error.code).toBe(-32602);

    const fresh = await t.state();
    const tampered = tamperBase64Url(fresh);
    expect(body(((await t.retry(tampered)) as { answer: PlainAnswer }).answer).error.code).toBe(-32602);
    const otherTool = await t.retry(await t.state(), { action: 'accept' }, 'alpha__echo');
    expect(body((otherTool as { answer: PlainAnswer }).answer).error.message).toMatch(/not valid/);
    const malformed = await t.retry(await t.state(), { action: 'maybe' });
    expect(body((malformed as { answer: PlainAnswer }).answer).error.code).toBe(-32602);
  });

  it('leaves an upstream’s own requestState alone', async () => {
    const resumed = await resumeStepUp(
      1,
      {
        name: 'alpha__x',
        requestState: 'upstream-state',
        inputResponses: { their_key: { action: 'accept' } },
      },
      { token, modern: true },
      t.deps,
    );
    expect(resumed.kind).toBe('not-ours');
  });

  it('a declined link ends in a tool error and an abandoned event; so does an expired step-up', async () => {
    const declined = await t.retry(await t.state(), { action: 'decline' });
    const result = body((declined as { answer: PlainAnswer }).answer).result;
    expect(result).toMatchObject({ isError: true, structuredContent: { httpStatus: 403 } });
    expect(result.content[0]?.text).toContain('nothing changed');
    expect(t.audited).toMatchObject([{ event: 'stepup.abandoned', reason: 'declined', resource: 'alpha' }]);
  });

  it('refuses a requestState past its ten minutes', async () => {
    const state = await t.state();
    t.clock.at += 10 * 60_000 + 1;
    const stale = await t.retry(state);
    expect(body((stale as { answer: PlainAnswer }).answer).error.code).toBe(-32602);
  });

  it('says the link expired when the step-up ran out before the user finished', async () => {
    t.clock.at += 9 * 60_000;
    const late = await t.state();
    t.clock.at += 90_000;
    const expired = await t.retry(late);
    const result = body((expired as { answer: PlainAnswer }).answer).result;
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toContain('expired');
    expect(t.audited.at(-1)).toMatchObject({ event: 'stepup.abandoned', reason: 'expired' });
  });
});
