import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

const feed = (splitter: LineSplitter, ...chunks: string[]) => chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk)));

describe('LineSplitter', () => {
  it('joins partial lines across chunks and skips blank lines', () => {
    const splitter = new LineSplitter(1_000);
    expect(feed(splitter, '{"a":', '1}\n{"b"', ':2}\r\n\n', '{"c":3}')).toEqual([{ line: '{"a":1}' }, { line: '{"b":2}' }]);
    expect(splitter.end()).toEqual([{ line: '{"c":3}' }]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('"é€"\n');
    const splitter = new LineSplitter(1_000);
    expect([...splitter.push(bytes.subarray(0, 2)), ...splitter.push(bytes.subarray(2))]).toEqual([{ line: '"é€"' }]);
  });

  it('reports a line over the cap once, discards it up to its newline and resynchronises', () => {
    const splitter = new LineSplitter(10);
    const items = feed(splitter, 'x'.repeat(8), 'y'.repeat(8), 'z'.repeat(100), '\n{"ok":1}\n');
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ overflow: { bytes: 16 } });
    expect(items[1]).toEqual({ line: '{"ok":1}' });
  });
});
