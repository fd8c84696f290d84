/**
 * Keeps the last `maxBytes` of a process's stderr: enough to say why it died, bounded however much it
 * prints.
 */

/** A bounded tail of a byte stream. */
export class StderrTail {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Appends `chunk`, dropping the oldest bytes beyond the cap. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes * 2) this.compact();
  }

  /** The kept tail as text. */
  text(): string {
    this.compact();
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.length > this.maxBytes ? all.subarray(all.length - this.maxBytes) : all;
    this.chunks = [Buffer.from(kept)];
    this.bytes = kept.length;
  }
}
