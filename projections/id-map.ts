/**
 * A persistent map from string ids to values for fold states: plain JSON (arrays and objects, `null` for empty
 * slots), so it survives a JSON round trip, and cheap to update without mutation: ids hash into a 32 × 32 trie of
 * small records, and a `set` copies one leaf and two 32-slot arrays instead of the whole map. A flat record would
 * copy every entry on every event, which makes a replay over thousands of sessions quadratic.
 */

/** One leaf: the entries whose ids hash to it. */
type Leaf<T> = { readonly [id: string]: T };

/** The map; treat it as opaque and use the functions of this module. */
export interface IdMap<T> {
  readonly size: number;
  readonly slots: readonly (readonly (Leaf<T> | null)[] | null)[];
}

const FANOUT = 32;
const BITS = 5;

const emptySlots = <S>(): (S | null)[] => Array.from({ length: FANOUT }, () => null);

/** FNV-1a over the id's UTF-16 code units: the trie path of `id`. */
function pathOf(id: string): readonly [number, number] {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [hash & (FANOUT - 1), (hash >>> BITS) & (FANOUT - 1)];
}

/** The empty map. */
export const emptyIdMap = <T>(): IdMap<T> => ({ size: 0, slots: emptySlots() });

/** The value under `id`, or `undefined`. */
export function idMapGet<T>(map: IdMap<T>, id: string): T | undefined {
  const [top, inner] = pathOf(id);
  const leaf = map.slots[top]?.[inner];
  return leaf !== null && leaf !== undefined && Object.hasOwn(leaf, id) ? leaf[id] : undefined;
}

/** A map with `value` under `id`; `map` is left as it was. */
export function idMapSet<T>(map: IdMap<T>, id: string, value: T): IdMap<T> {
  const [top, inner] = pathOf(id);
  const branch = map.slots[top] ?? emptySlots<Leaf<T>>();
  const leaf = branch[inner] ?? {};
  const added = Object.hasOwn(leaf, id) ? 0 : 1;
  const nextBranch = [...branch];
  nextBranch[inner] = { ...leaf, [id]: value };
  const slots = [...map.slots];
  slots[top] = nextBranch;
  return { size: map.size + added, slots };
}

/** A map without `id` (the same map when it has no such entry). */
export function idMapDelete<T>(map: IdMap<T>, id: string): IdMap<T> {
  const [top, inner] = pathOf(id);
  const branch = map.slots[top];
  const leaf = branch?.[inner];
  if (branch === null || branch === undefined || leaf === null || leaf === undefined || !Object.hasOwn(leaf, id)) return map;
  const { [id]: _removed, ...rest } = leaf;
  const nextBranch = [...branch];
  nextBranch[inner] = Object.keys(rest).length === 0 ? null : rest;
  const slots = [...map.slots];
  slots[top] = nextBranch.every((slot) => slot === null) ? null : nextBranch;
  return { size: map.size - 1, slots };
}

/** Every value, in no particular order. */
export function idMapValues<T>(map: IdMap<T>): T[] {
  const values: T[] = [];
  for (const branch of map.slots) {
    if (branch === null) continue;
    for (const leaf of branch) if (leaf !== null) values.push(...Object.values(leaf));
  }
  return values;
}

/** Every `[id, value]` entry, in no particular order. */
export function idMapEntries<T>(map: IdMap<T>): [string, T][] {
  const entries: [string, T][] = [];
  for (const branch of map.slots) {
    if (branch === null) continue;
    for (const leaf of branch) if (leaf !== null) entries.push(...Object.entries(leaf));
  }
  return entries;
}
