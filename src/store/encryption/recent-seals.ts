/**
 * What this process sealed lately, so reading it back costs no decryption: the server reads every event it writes
 * right away (WebSocket fan-out, projections), and AES-GCM is most of the cost of opening. Keyed by the box itself
 * (unique: a random IV each) and checked against the event it is read as, so a box copied into another event is
 * still refused by authentication. Holds the plaintext JSON of the sealed fields, never more than
 * {@link RECENT_SEALS_MAX_ENTRIES} entries or {@link RECENT_SEALS_MAX_CHARS} characters (oldest dropped first): it
 * is memory the server had anyway a moment before.
 */

/** Entries kept at most. */
export const RECENT_SEALS_MAX_ENTRIES = 1024;
/** Plaintext characters kept at most. */
export const RECENT_SEALS_MAX_CHARS = 1024 * 1024;

interface Seal {
  readonly binding: string;
  readonly plaintext: string;
}

/** A bounded map from box to the plaintext sealed in it; see the module comment. */
export class RecentSeals {
  readonly #seals = new Map<string, Seal>();
  // Insertion order kept in a ring, not read back from the Map: finding a Map's oldest entry walks over the holes
  // its earlier deletions left, which grows with the Map and made each eviction cost microseconds.
  readonly #order: (string | undefined)[] = new Array<string | undefined>(RECENT_SEALS_MAX_ENTRIES).fill(undefined);
  #next = 0;
  #oldest = 0;
  #chars = 0;

  /** Remembers that `box` seals `plaintext` for the event `binding` names. */
  remember(box: string, binding: string, plaintext: string): void {
    if (plaintext.length > RECENT_SEALS_MAX_CHARS / 16 || this.#seals.has(box)) return;
    if (this.#seals.size === RECENT_SEALS_MAX_ENTRIES) this.#evict();
    this.#seals.set(box, { binding, plaintext });
    this.#order[this.#next] = box;
    this.#next = (this.#next + 1) % RECENT_SEALS_MAX_ENTRIES;
    this.#chars += plaintext.length;
    while (this.#chars > RECENT_SEALS_MAX_CHARS) this.#evict();
  }

  /** The plaintext sealed in `box` for the event `binding` names, if this process sealed it lately. */
  recall(box: string, binding: string): string | undefined {
    const seal = this.#seals.get(box);
    return seal !== undefined && seal.binding === binding ? seal.plaintext : undefined;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#seals.size;
  }

  #evict(): void {
    const box = this.#order[this.#oldest] as string;
    this.#order[this.#oldest] = undefined;
    this.#oldest = (this.#oldest + 1) % RECENT_SEALS_MAX_ENTRIES;
    const seal = this.#seals.get(box);
    if (seal === undefined) return;
    this.#seals.delete(box);
    this.#chars -= seal.plaintext.length;
  }
}
