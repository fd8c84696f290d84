/**
 * What this process sealed lately, so reading it back costs no decryption: the server reads every event it writes
 * right away (WebSocket fan-out, projections), and AES-GCM is most of the cost of opening. Keyed by the box itself
 * (unique: a random IV each) and checked against the event it is read as, so a box copied into another event is
 * still refused by authentication. Holds the plaintext JSON of the sealed fields, never more than
 * {@link RECENT_SEALS_MAX_ENTRIES} entries or {@link RECENT_SEALS_MAX_CHARS} characters (oldest dropped first): it
 * is memory the server had anyway a moment before.
 */

/** Entries kept at most. */
export const RECENT_SEALS_MAX_ENTRIES = 4096;
/** Plaintext characters kept at most. */
export const RECENT_SEALS_MAX_CHARS = 4 * 1024 * 1024;

interface Seal {
  readonly binding: string;
  readonly plaintext: string;
}

/** A bounded map from box to the plaintext sealed in it; see the module comment. */
export class RecentSeals {
  readonly #seals = new Map<string, Seal>();
  #chars = 0;

  /** Remembers that `box` seals `plaintext` for the event `binding` names. */
  remember(box: string, binding: string, plaintext: string): void {
    if (plaintext.length > RECENT_SEALS_MAX_CHARS / 16) return;
    this.#seals.set(box, { binding, plaintext });
    this.#chars += plaintext.length;
    while (this.#seals.size > RECENT_SEALS_MAX_ENTRIES || this.#chars > RECENT_SEALS_MAX_CHARS) {
      const [oldest, seal] = this.#seals.entries().next().value as [string, Seal];
      this.#seals.delete(oldest);
      this.#chars -= seal.plaintext.length;
    }
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
}
