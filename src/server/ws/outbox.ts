/**
 * What may be queued to a WebSocket client: the slow-consumer rule, and frames as UTF-8 bytes encoded once per
 * fan-out (the same event frame goes to every subscriber of a session; encoding it per connection would cost
 * as much as sending it).
 */

/**
 * Whether queuing `frameBytes` more on a connection holding `buffered` bytes in its send buffer (and `unwritten`
 * bytes published to it that uWS has not written yet, see `unflushed.ts`) would take it past `bound`: such a client
 * is a slow consumer, closed instead. A frame larger than the bound still goes to a client whose send buffer is
 * empty (its socket takes what it is given), or a large event could never be delivered.
 */
export function passesBound(buffered: number, frameBytes: number, bound: number, unwritten = 0): boolean {
  return buffered > 0 && buffered + unwritten + frameBytes > bound;
}

/** Encodes frames to UTF-8, remembering the last one: a fan-out loop encodes each frame once. */
export class FrameEncoder {
  #text: string | null = null;
  #bytes: Buffer = Buffer.alloc(0);

  /** The UTF-8 bytes of `text`. */
  encode(text: string): Buffer {
    if (text !== this.#text) {
      this.#bytes = Buffer.from(text, 'utf8');
      this.#text = text;
    }
    return this.#bytes;
  }
}
