import { sha256 } from '../../crypto';

/** One tool (or prompt, resource template…) of one upstream, as the hub lists it. */
export interface UpstreamName {
  /** the catalog entry's slug: stable, and what the hash is taken over */
  entry: string;
  /** the entry's tool prefix; null when the entry is configured without one */
  prefix: string | null;
  /** the name as the upstream gives it */
  name: string;
}

/** The longest name clients accept (OpenAI and Anthropic tool names: `^[a-zA-Z0-9_-]{1,64}$`). */
export const MAX_NAME_LENGTH = 64;
const SEPARATOR = '__';
const HASH_LENGTH = 8;
const ALLOWED = /[^A-Za-z0-9_-]/g;

/**
 * The names the hub shows for the names of every connected upstream: `<prefix>__<name>`, in the
 * characters every client accepts, at most 64 long. A name that had to change (a character outside
 * `[A-Za-z0-9_-]`, too long) or that would collide with another is cut and given a short hash of its
 * entry and original name, so it is the same on every list and never mistaken for another; the same
 * (entry, name) listed twice is listed once. Returns the shown name of each input, in order (undefined
 * for a repeat), and the way back from a shown name. Pure and deterministic.
 */
export async function hubNames(names: readonly UpstreamName[]): Promise<{
  shown: Array<string | undefined>;
  origin: Map<string, UpstreamName>;
}> {
  const seen = new Set<string>();
  const candidates = names.map((item) => {
    const key = `${item.entry}\u0000${item.name}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const full = item.prefix === null ? item.name : `${item.prefix}${SEPARATOR}${item.name}`;
    const clean = full.replace(ALLOWED, '_');
    return { item, clean, plain: clean === full && clean.length > 0 && clean.length <= MAX_NAME_LENGTH };
  });
  // Two different names that would show the same: both take the hash.
  const counts = new Map<string, number>();
  for (const candidate of candidates)
    if (candidate) counts.set(candidate.clean, (counts.get(candidate.clean) ?? 0) + 1);
  const origin = new Map<string, UpstreamName>();
  const shown: Array<string | undefined> = candidates.map(() => undefined);
  // Plain names first, so a hashed name gives way to them (an upstream cannot take another's plain name
  // by naming a tool like a hashed one: the hashed one grows its hash instead).
  for (const [index, candidate] of candidates.entries()) {
    if (!candidate?.plain || (counts.get(candidate.clean) ?? 0) > 1) continue;
    origin.set(candidate.clean, candidate.item);
    shown[index] = candidate.clean;
  }
  for (const [index, candidate] of candidates.entries()) {
    if (!candidate || shown[index] !== undefined) continue;
    const hash = await sha256(`${candidate.item.entry}\u0000${candidate.item.name}`);
    for (const length of [HASH_LENGTH, 12, 16, 24, hash.length]) {
      const name = `${candidate.clean.slice(0, MAX_NAME_LENGTH - length - 1)}_${hash.slice(0, length)}`;
      if (origin.has(name)) continue;
      origin.set(name, candidate.item);
      shown[index] = name;
      break;
    }
  }
  return { shown, origin };
}
