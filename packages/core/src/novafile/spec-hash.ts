// Hashes of specs. The ownership mark Nova writes into what it creates carries the hash of the spec as
// applied, which tells a change of the NovaFile from a change made outside Nova (drift). Pure.
import { createHash } from 'node:crypto';

import type { Ownership } from '../contract/specs.js';

/** The first `length` hex digits of a text's SHA-256, for names that must stay short but distinct. */
export function shortHash(text: string, length = 4): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** SHA-256 of a spec in canonical form (keys sorted), its own hash left out. */
export function specHash(spec: object): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key, v]) => v !== undefined && key !== 'specHash')
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, v]) => [key, canonical(v)]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(spec)))
    .digest('hex');
}

/**
 * Fills in the ownership mark of a spec Nova creates, hashing the spec with everything but the hash
 * itself. The NovaFile's resolver and the network commands both mark what they make this way.
 */
export function owned<T extends { ownership: Ownership }>(
  spec: Omit<T, 'ownership'> & { ownership: Omit<Ownership, 'specHash'> },
): T {
  const draft = { ...spec, ownership: { ...spec.ownership, specHash: '' } } as unknown as T;
  return { ...draft, ownership: { ...draft.ownership, specHash: specHash(draft) } };
}
