/**
 * Splits a byte stream into lines, holding a partial line across chunks. A line longer than `maxBytes`
 * is never held whole: the splitter reports it once as an overflow and discards bytes up to its newline,
 * so a process that prints without newlines cannot grow our memory without bound.
 *
 * The complete lines of a chunk are decoded with one `toString` and split on `\n` (a newline byte is never part
 * of a multi-byte UTF-8 character, so cutting there keeps every character whole); only the partial line after
 * the last newline is held as bytes.
 */

/** What the splitter hands back: a complete line (without `\n`, `\r` trimmed), or an overflow. */
export type SplitItem = { readonly line: string } | { readonly overflow: { readonly bytes: number; readonly head: string } };

const NEWLINE = 0x0a;
/** Most UTF-8 bytes one UTF-16 code unit of a decoded line can have come from. */
const MAX_BYTES_PER_UNIT = 3;

/** A stateful splitter; feed it chunks in order, then `end()` for a last unterminated line. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(private readonly maxBytes: number) {}

  /** Consumes `chunk` and returns the items it completed. */
  push(chunk: Buffer): SplitItem[] {
    const items: SplitItem[] = [];
    const last = chunk.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.append(chunk, items);
      return items;
    }
    let start = 0;
    if (this.discarding || this.pendingBytes > 0) {
      // The first newline ends the held partial line (or the overflowing one being discarded).
      const first = chunk.indexOf(NEWLINE);
      this.append(chunk.subarray(0, first), items);
      if (this.discarding) this.discarding = false;
      else this.flush(items);
      start = first + 1;
    }
    if (start <= last) this.splitComplete(chunk.toString('utf8', start, last), items);
    this.append(chunk.subarray(last + 1), items);
    return items;
  }

  /** The unterminated rest, if any, as a last line. */
  end(): SplitItem[] {
    const items: SplitItem[] = [];
    if (!this.discarding && this.pendingBytes > 0) this.flush(items);
    this.reset();
    return items;
  }

  /** `text` holds whole lines separated by `\n` (the last one without it). */
  private splitComplete(text: string, items: SplitItem[]): void {
    let from = 0;
    for (;;) {
      const index = text.indexOf('\n', from);
      const line = index === -1 ? text.slice(from) : text.slice(from, index);
      if (line.length * MAX_BYTES_PER_UNIT <= this.maxBytes || Buffer.byteLength(line) <= this.maxBytes) this.keep(line, items);
      else items.push({ overflow: { bytes: Buffer.byteLength(line), head: Buffer.from(line).subarray(0, 200).toString('utf8') } });
      if (index === -1) return;
      from = index + 1;
    }
  }

  private append(part: Buffer, items: SplitItem[]): void {
    if (this.discarding || part.length === 0) return;
    this.pending.push(part);
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxBytes) {
      const head = Buffer.concat(this.pending).subarray(0, 200).toString('utf8');
      items.push({ overflow: { bytes: this.pendingBytes, head } });
      this.reset();
      this.discarding = true;
    }
  }

  private flush(items: SplitItem[]): void {
    const line = this.pending.length === 1 ? (this.pending[0] as Buffer).toString('utf8') : Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    this.reset();
    this.keep(line, items);
  }

  private keep(line: string, items: SplitItem[]): void {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.trim() !== '') items.push({ line: trimmed });
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
