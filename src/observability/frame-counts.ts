/**
 * WebSocket frames in and out by type, for `aicli_websocket_frames_received_total{type}` and
 * `aicli_websocket_frames_sent_total{type}`. Counted in plain numbers on the hot path (no label hashing, no
 * allocation: a sent frame's type is read from its first bytes, as every frame starts `{"type":"…"`), and
 * exported at scrape time.
 */
import { Counter, type Registry } from 'prom-client';

/** The type label of a frame that is not one of the known types (a received frame that did not parse). */
export const OTHER_FRAME_TYPE = 'other';

/** Counts of frames by type; `received` and `sent` are called by the WebSocket hub. */
export class FrameCounts {
  readonly #receivedTypes: readonly string[];
  readonly #received: number[];
  readonly #sentTypes: readonly string[];
  readonly #sentPrefixes: readonly string[];
  readonly #sent: number[];

  /** `received` and `sent`: the known frame types of each direction (their series start at 0). */
  constructor(received: readonly string[], sent: readonly string[]) {
    this.#receivedTypes = [...received, OTHER_FRAME_TYPE];
    this.#received = this.#receivedTypes.map(() => 0);
    this.#sentTypes = [...sent, OTHER_FRAME_TYPE];
    this.#sentPrefixes = sent.map((type) => `{"type":${JSON.stringify(type)}`);
    this.#sent = this.#sentTypes.map(() => 0);
  }

  /** One frame of `type` received (a type outside the known ones counts as `other`). */
  received(type: string): void {
    const index = this.#receivedTypes.indexOf(type);
    this.#received[index === -1 ? this.#received.length - 1 : index]! += 1;
  }

  /** `copies` copies of the serialised `frame` sent (one per connection it went to). */
  sent(frame: string, copies = 1): void {
    let index = 0;
    while (index < this.#sentPrefixes.length && !frame.startsWith(this.#sentPrefixes[index]!)) index += 1;
    this.#sent[index]! += copies;
  }

  /** Registers the two counters on `registry`. */
  register(registry: Registry): void {
    const counts = (types: readonly string[], values: readonly number[]) =>
      function collect(this: Counter<'type'>): void {
        this.reset();
        for (let i = 0; i < types.length; i += 1) this.inc({ type: types[i]! }, values[i]!);
      };
    new Counter({ name: 'aicli_websocket_frames_received_total', help: 'WebSocket frames received, by type (other: not a valid frame).', labelNames: ['type'], registers: [registry], collect: counts(this.#receivedTypes, this.#received) });
    new Counter({ name: 'aicli_websocket_frames_sent_total', help: 'WebSocket frames sent, by type, one per connection each went to.', labelNames: ['type'], registers: [registry], collect: counts(this.#sentTypes, this.#sent) });
  }
}
