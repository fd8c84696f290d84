import fc from 'fast-check';
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

  it('gives the same lines and overflows however the bytes are cut into chunks', () => {
    const line = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', ' ', '\r', '{"a":"é€😀"}\r'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 4, max: 40 }), (lines, terminated, cuts, max) => {
        const bytes = Buffer.from(lines.join('\n') + (terminated ? '\n' : ''));
        const expected = lines.flatMap((text, index) => {
          if (!terminated && index === lines.length - 1 && Buffer.byteLength(text) > max) return ['overflow'];
          if (Buffer.byteLength(text) > max) return ['overflow'];
          const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
          return trimmed.trim() === '' ? [] : [trimmed];
        });
        const splitter = new LineSplitter(max);
        const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const items = [0, ...at].map((from, index) => bytes.subarray(from, at[index] ?? bytes.length)).flatMap((chunk) => splitter.push(chunk));
        items.push(...splitter.end());
        expect(items.map((item) => ('line' in item ? item.line : 'overflow'))).toEqual(expected);
      }),
    );
  });
});
