import { describe, expect, it } from 'vitest';
import { hubNames, MAX_NAME_LENGTH, type UpstreamName } from './names';

const tool = (entry: string, name: string, prefix: string | null = entry): UpstreamName => ({
  entry,
  prefix,
  name,
});
const CLIENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

describe('hub names', () => {
  it('are <prefix>__<tool>, or the tool alone for an entry without a prefix, and lead back', async () => {
    const { shown, origin } = await hubNames([
      tool('github', 'create_issue'),
      tool('sentry', 'search-events'),
      tool('internal', 'lookup', null),
    ]);
    expect(shown).toEqual(['github__create_issue', 'sentry__search-events', 'lookup']);
    expect(origin.get('sentry__search-events')).toEqual(tool('sentry', 'search-events'));
  });

  it('are cut to 64 characters with a hash of the original, the same on every list', async () => {
    const long = `summarize_${'x'.repeat(80)}`;
    const [first] = (await hubNames([tool('github', long)])).shown;
    const { shown } = await hubNames([tool('linear', 'a'), tool('github', long)]);
    expect(first).toHaveLength(MAX_NAME_LENGTH);
    expect(first).toMatch(CLIENT_NAME);
    expect(first?.startsWith('github__summarize_xxx')).toBe(true);
    expect(shown[1]).toBe(first);
    // Another long name sharing the first 55 characters still gets a name of its own.
    const { shown: two } = await hubNames([tool('github', long), tool('github', `${long}y`)]);
    expect(new Set(two).size).toBe(2);
  });

  it('keep only the characters every client accepts; unicode and dots take the hash', async () => {
    const { shown, origin } = await hubNames([
      tool('notes', 'notes.add'),
      tool('docs', 'résumé'),
      tool('docs', '検索'),
      tool('docs', ''),
    ]);
    for (const name of shown) expect(name).toMatch(CLIENT_NAME);
    expect(shown[0]).toMatch(/^notes__notes_add_[A-Za-z0-9_-]{8}$/);
    expect(origin.get(shown[2] as string)?.name).toBe('検索');
    expect(new Set(shown).size).toBe(4);
  });

  it('never collide: names that would show the same all take the hash, repeats are listed once', async () => {
    const { shown, origin } = await hubNames([
      tool('a', 'search', null),
      tool('b', 'search', null),
      tool('docs', 'notes.add'),
      tool('docs', 'notes_add'),
      tool('a', 'search', null),
    ]);
    expect(shown[4]).toBeUndefined();
    expect(shown.slice(0, 4).every((name) => name !== undefined && name !== 'search')).toBe(true);
    expect(new Set(shown.slice(0, 4)).size).toBe(4);
    expect(origin.get(shown[1] as string)).toEqual(tool('b', 'search', null));
    expect(origin.size).toBe(4);
  });

  it('give a plain name to its owner even when another upstream names a tool like a hashed name', async () => {
    const { shown: honest } = await hubNames([tool('docs', 'notes.add')]);
    const squatted = honest[0] as string;
    // An upstream without a prefix offers a tool named exactly like docs' hashed name.
    const { shown, origin } = await hubNames([tool('docs', 'notes.add'), tool('evil', squatted, null)]);
    expect(shown[1]).toBe(squatted);
    expect(origin.get(squatted)?.entry).toBe('evil');
    expect(shown[0]).not.toBe(squatted);
    expect(shown[0]).toMatch(CLIENT_NAME);
    expect(origin.get(shown[0] as string)?.entry).toBe('docs');
  });
});
