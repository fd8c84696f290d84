/**
 * Splits a byte stream into lines, holding a partial line across chunks. A line longer than `maxBytes`
 * is never held whole: the splitter reports it once as an overflow and discards bytes up to its newline,
 * so a process that prints without newlines cannot grow our memory without bound.
 */

/** What the splitter hands back: a complete line (without `\n`, `\r` trimmed), or an overflow. */
export type SplitItem = { readonly line: string } | { readonly overflow: { readonly bytes: number; readonly head: string } };

const NEWLINE = 0x0a;

/** A stateful splitter; feed it chunks in order, then `end()` for a last unterminated line. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(private readonly maxBytes: number) {}

  /** Consumes `chunk` and returns the items it completed. */
  push(chunk: Buffer): SplitItem[] {
    const items: SplitItem[] = [];
    let start = 0;
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
      this.append(chunk.subarray(start, index), items);
      if (this.discarding) this.discarding = false;
      else this.flush(items);
      start = index + 1;
    }
    this.append(chunk.subarray(start), items);
    return items;
  }

  /** The unterminated rest, if any, as a last line. */
  end(): SplitItem[] {
    const items: SplitItem[] = [];
    if (!this.discarding && this.pendingBytes > 0) this.flush(items);
    this.reset();
    return items;
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
    const line = Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    this.reset();
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.trim() !== '') items.push({ line: trimmed });
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
