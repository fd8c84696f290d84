/**
 * A persistent map from string ids to values for fold states: plain JSON (arrays and objects, `null` for empty
 * slots), so it survives a JSON round trip, and cheap to update without mutation: ids hash into a trie of
 * 32-slot arrays, three levels deep (32,768 leaves), whose leaves are small `[id, value, ...]` lists; a `set` copies one leaf and
 * three 32-slot arrays instead of the whole map. A flat record would copy every entry on every event, which makes a
 * replay over thousands of sessions quadratic, and fewer levels make the leaves big enough that copying them
 * dominates a replay over tens of thousands of sessions.
 */

/**
 * One leaf: the entries whose ids hash to it, as `[id, value, id, value, ...]` in insertion order. Not an object keyed
 * by id: every distinct id as a key would give V8 a new hidden class, and copying such objects is slow.
 */
type Leaf<T> = readonly (string | T)[];

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

const emptySlots = (): unknown[] => new Array<unknown>(FANOUT).fill(null);

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

/** Where `id` sits in `leaf` (the index of its id; its value follows), or -1. */
function indexIn<T>(leaf: Leaf<T>, id: string): number {
  for (let i = 0; i < leaf.length; i += 2) if (leaf[i] === id) return i;
  return -1;
}

/**
 * The root with the leaf at the end of `hash`'s path replaced by `leaf` (`null`: removed), copying only the nodes
 * on the path; a node left empty becomes `null` (the root stays an array).
 */
function withLeaf<T>(root: Slots, hash: number, leaf: Leaf<T> | null): Slots {
  const path: (Slots | null)[] = [root];
  for (let level = 0; level < DEPTH - 1; level += 1) path.push(((path[level] as Slots | null)?.[slotAt(hash, level)] ?? null) as Slots | null);
  let child: unknown = leaf;
  for (let level = DEPTH - 1; level >= 0; level -= 1) {
    const node = path[level] as Slots | null;
    const copy = node === null ? emptySlots() : node.slice();
    copy[slotAt(hash, level)] = child;
    child = child === null && level > 0 && copy.every((slot) => slot === null) ? null : copy;
  }
  return child as Slots;
}

/** The empty map. */
export const emptyIdMap = <T>(): IdMap<T> => ({ size: 0, slots: emptySlots() });

/** The value under `id`, or `undefined`. */
export function idMapGet<T>(map: IdMap<T>, id: string): T | undefined {
  const leaf = leafOf(map, hashOf(id));
  if (leaf === null) return undefined;
  const at = indexIn(leaf, id);
  return at < 0 ? undefined : (leaf[at + 1] as T);
}

/** A map with `value` under `id`; `map` is left as it was. */
export function idMapSet<T>(map: IdMap<T>, id: string, value: T): IdMap<T> {
  const hash = hashOf(id);
  const leaf = leafOf(map, hash);
  const at = leaf === null ? -1 : indexIn(leaf, id);
  if (at < 0) return { size: map.size + 1, slots: withLeaf<T>(map.slots, hash, leaf === null ? [id, value] : [...leaf, id, value]) };
  const copy = (leaf as Leaf<T>).slice();
  copy[at + 1] = value;
  return { size: map.size, slots: withLeaf<T>(map.slots, hash, copy) };
}

/** A map without `id` (the same map when it has no such entry). */
export function idMapDelete<T>(map: IdMap<T>, id: string): IdMap<T> {
  const hash = hashOf(id);
  const leaf = leafOf(map, hash);
  const at = leaf === null ? -1 : indexIn(leaf, id);
  if (at < 0) return map;
  const rest = (leaf as Leaf<T>).filter((_, index) => index !== at && index !== at + 1);
  return { size: map.size - 1, slots: withLeaf<T>(map.slots, hash, rest.length === 0 ? null : rest) };
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
  eachLeaf<T>(map.slots, 0, (leaf) => {
    for (let i = 0; i < leaf.length; i += 2) values.push(leaf[i + 1] as T);
  });
  return values;
}

/** Every `[id, value]` entry, in no particular order. */
export function idMapEntries<T>(map: IdMap<T>): [string, T][] {
  const entries: [string, T][] = [];
  eachLeaf<T>(map.slots, 0, (leaf) => {
    for (let i = 0; i < leaf.length; i += 2) entries.push([leaf[i] as string, leaf[i + 1] as T]);
  });
  return entries;
}
