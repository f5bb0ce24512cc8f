import { describe, expect, it } from 'vitest';
import { tamperBase64Url } from '../../../test/support/tamper';
import { createKeyRing } from '../../crypto';
import { createLegacySessions, createLegacyStreams, declaresUrlElicitation } from './legacy-session';

const ring = () => createKeyRing([{ id: 'k1', key: new Uint8Array(32).fill(3) }]);
const alice = { userId: 'alice', clientId: 'cli' };

describe('the hub’s 2025-era session id', () => {
  it('carries what the client declared, for the same user and client only', async () => {
    const sessions = createLegacySessions(await ring());
    const id = await sessions.issue('alice', 'cli', { elicitation: { url: {} } });
    expect(id).toMatch(/^[\x21-\x7e]+$/); // visible ASCII (Streamable HTTP)
    const read = await sessions.read(id, alice);
    expect(read?.capabilities).toEqual({ elicitation: { url: {} } });
    expect(await sessions.read(id, { userId: 'bob', clientId: 'cli' })).toBeUndefined();
    expect(await sessions.read(id, { userId: 'alice', clientId: 'other' })).toBeUndefined();
  });

  it('ignores an id that was altered, made with another key, or absent', async () => {
    const sessions = createLegacySessions(await ring());
    const id = await sessions.issue('alice', 'cli', { elicitation: { url: {} } });
    const altered = tamperBase64Url(id);
    expect(await sessions.read(altered, alice)).toBeUndefined();
    const foreign = await createLegacySessions(
      await createKeyRing([{ id: 'k1', key: new Uint8Array(32).fill(4) }]),
    ).issue('alice', 'cli', {});
    expect(await sessions.read(foreign, alice)).toBeUndefined();
    expect(await sessions.read(undefined, alice)).toBeUndefined();
  });

  it('URL elicitation is declared only by an object under elicitation.url', () => {
    expect(declaresUrlElicitation({ elicitation: { url: {} } })).toBe(true);
    expect(declaresUrlElicitation({ elicitation: { form: {}, url: {} } })).toBe(true);
    expect(declaresUrlElicitation({ elicitation: {} })).toBe(false); // form only (spec: empty = form)
    expect(declaresUrlElicitation({ elicitation: { url: true } })).toBe(false);
    expect(declaresUrlElicitation({})).toBe(false);
    expect(declaresUrlElicitation(undefined)).toBe(false);
  });

  it('a notification reaches the streams of its session, and a user’s change reaches only that user', async () => {
    const sessions = createLegacySessions(await ring());
    const streams = createLegacyStreams();
    const read = async (id: string, user = alice) => {
      const session = await sessions.read(id, user);
      if (!session) throw new Error('no session');
      return streams.open(session).getReader();
    };
    const mine = await read(await sessions.issue('alice', 'cli', {}));
    const bobs = await read(await sessions.issue('bob', 'cli', {}), { userId: 'bob', clientId: 'cli' });
    const decode = async (reader: ReadableStreamDefaultReader<Uint8Array>) =>
      new TextDecoder().decode((await reader.read()).value);
    expect(await decode(mine)).toBe(': open\n\n');
    expect(await decode(bobs)).toBe(': open\n\n');
    streams.toUser('alice', { method: 'notifications/tools/list_changed' });
    expect(await decode(mine)).toContain('"notifications/tools/list_changed"');
    streams.toUser('bob', { method: 'x' });
    expect(await decode(bobs)).toContain('"x"');
    streams.close();
    expect((await mine.read()).done).toBe(true);
  });
});
