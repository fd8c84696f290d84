/**
 * A persistent map from string ids to values for fold states: plain JSON (arrays and objects, `null` for empty
 * slots), so it survives a JSON round trip, and cheap to update without mutation: ids hash into a trie of
 * 32-slot arrays, three levels deep (32,768 leaves), whose leaves are small records; a `set` copies one leaf and
 * three 32-slot arrays instead of the whole map. A flat record would copy every entry on every event, which makes a
 * replay over thousands of sessions quadratic, and fewer levels make the leaves big enough that copying them
 * dominates a replay over tens of thousands of sessions.
 */

/** One leaf: the entries whose ids hash to it. */
type Leaf<T> = { readonly [id: string]: T };

/** A trie node: 32 slots holding child nodes (or, at the last level, leaves), `null` where empty. */
type Slots = readonly unknown[];

/** The map; treat it as opaque and use the functions of this module. */
export interface IdMap<T> {
  readonly size: number;
  /** The root node (the type parameter only tags what the leaves hold). */
  readonly slots: Slots & { readonly __values?: T };
}

const FANOUT = 32;
const BITS = 5;
const DEPTH = 3;

const emptySlots = (): unknown[] => Array.from({ length: FANOUT }, () => null);

/** FNV-1a over the id's UTF-16 code units; successive 5-bit groups are the slot at each level. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const slotAt = (hash: number, level: number): number => (hash >>> (level * BITS)) & (FANOUT - 1);

/** The leaf `hash` leads to, if any. */
function leafOf<T>(map: IdMap<T>, hash: number): Leaf<T> | null {
  let node: Slots | null = map.slots;
  for (let level = 0; level < DEPTH - 1 && node !== null; level += 1) node = node[slotAt(hash, level)] as Slots | null;
  return node === null ? null : (node[slotAt(hash, DEPTH - 1)] as Leaf<T> | null);
}

/**
 * `node` with the leaf at the end of `hash`'s path replaced by `update(leaf)`, copying only the nodes on the path;
 * the same node when nothing changed, `null` when it became empty.
 */
function withLeaf<T>(node: Slots | null, hash: number, level: number, update: (leaf: Leaf<T> | null) => Leaf<T> | null): Slots | null {
  const index = slotAt(hash, level);
  const child = (node?.[index] ?? null) as Slots | Leaf<T> | null;
  const next = level === DEPTH - 1 ? update(child as Leaf<T> | null) : withLeaf(child as Slots | null, hash, level + 1, update);
  if (next === child) return node;
  const copy = node === null ? emptySlots() : [...node];
  copy[index] = next;
  return next === null && copy.every((slot) => slot === null) ? null : copy;
}

/** The empty map. */
export const emptyIdMap = <T>(): IdMap<T> => ({ size: 0, slots: emptySlots() });

/** The value under `id`, or `undefined`. */
export function idMapGet<T>(map: IdMap<T>, id: string): T | undefined {
  const leaf = leafOf(map, hashOf(id));
  return leaf !== null && Object.hasOwn(leaf, id) ? leaf[id] : undefined;
}

/** A map with `value` under `id`; `map` is left as it was. */
export function idMapSet<T>(map: IdMap<T>, id: string, value: T): IdMap<T> {
  let added = 0;
  const slots = withLeaf<T>(map.slots, hashOf(id), 0, (leaf) => {
    if (leaf === null || !Object.hasOwn(leaf, id)) added = 1;
    return leaf === null ? { [id]: value } : { ...leaf, [id]: value };
  });
  return { size: map.size + added, slots: slots ?? emptySlots() };
}

/** A map without `id` (the same map when it has no such entry). */
export function idMapDelete<T>(map: IdMap<T>, id: string): IdMap<T> {
  const hash = hashOf(id);
  const leaf = leafOf(map, hash);
  if (leaf === null || !Object.hasOwn(leaf, id)) return map;
  const slots = withLeaf<T>(map.slots, hash, 0, () => {
    const { [id]: _removed, ...rest } = leaf;
    return Object.keys(rest).length === 0 ? null : rest;
  });
  return { size: map.size - 1, slots: slots ?? emptySlots() };
}

/** Calls `visit` with every leaf under `node` at `level`. */
function eachLeaf<T>(node: Slots, level: number, visit: (leaf: Leaf<T>) => void): void {
  for (const child of node) {
    if (child === null) continue;
    if (level === DEPTH - 1) visit(child as Leaf<T>);
    else eachLeaf(child as Slots, level + 1, visit);
  }
}

/** Every value, in no particular order. */
export function idMapValues<T>(map: IdMap<T>): T[] {
  const values: T[] = [];
  eachLeaf<T>(map.slots, 0, (leaf) => values.push(...Object.values(leaf)));
  return values;
}

/** Every `[id, value]` entry, in no particular order. */
export function idMapEntries<T>(map: IdMap<T>): [string, T][] {
  const entries: [string, T][] = [];
  eachLeaf<T>(map.slots, 0, (leaf) => entries.push(...Object.entries(leaf)));
  return entries;
}
