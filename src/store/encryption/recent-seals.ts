/**
 * What this process sealed lately, so reading it back costs no decryption: the server reads every event it writes
 * right away (WebSocket fan-out, projections), and AES-GCM is most of the cost of opening. Keyed by the binding (the
 * event's stream, id and type: short) and checked against the box itself (unique: a random IV each), so a box
 * copied into another event is still refused by authentication. (Keyed by the box, a Map hashed about a kilobyte
 * of base64 twice per event: 8% of sealing.) Holds the plaintext JSON of the sealed fields, never more than
 * {@link RECENT_SEALS_MAX_ENTRIES} entries or {@link RECENT_SEALS_MAX_CHARS} characters (oldest dropped first): it
 * is memory the server had anyway a moment before.
 */

/** Entries kept at most. */
export const RECENT_SEALS_MAX_ENTRIES = 1024;
/** Plaintext characters kept at most. */
export const RECENT_SEALS_MAX_CHARS = 1024 * 1024;

interface Seal {
  readonly box: string;
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
    if (plaintext.length > RECENT_SEALS_MAX_CHARS / 16 || this.#seals.has(binding)) return;
    if (this.#seals.size === RECENT_SEALS_MAX_ENTRIES) this.#evict();
    this.#seals.set(binding, { box, plaintext });
    this.#order[this.#next] = binding;
    this.#next = (this.#next + 1) % RECENT_SEALS_MAX_ENTRIES;
    this.#chars += plaintext.length;
    while (this.#chars > RECENT_SEALS_MAX_CHARS) this.#evict();
  }

  /** The plaintext sealed in `box` for the event `binding` names, if this process sealed it lately. */
  recall(box: string, binding: string): string | undefined {
    const seal = this.#seals.get(binding);
    return seal !== undefined && seal.box === box ? seal.plaintext : undefined;
  }

  /** Entries held (for tests). */
  get size(): number {
    return this.#seals.size;
  }

  #evict(): void {
    const binding = this.#order[this.#oldest] as string;
    this.#order[this.#oldest] = undefined;
    this.#oldest = (this.#oldest + 1) % RECENT_SEALS_MAX_ENTRIES;
    const seal = this.#seals.get(binding);
    if (seal === undefined) return;
    this.#seals.delete(binding);
    this.#chars -= seal.plaintext.length;
  }
}
