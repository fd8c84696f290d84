import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StdinWriter } from './stdin-writer.js';

/** A sink that accepts one chunk at a time and only acknowledges it when `release()` is called. */
function slowSink() {
  const written: string[] = [];
  const pending: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      pending.push(() => callback());
    },
  });
  return { stream, written, release: () => pending.splice(0).forEach((done) => done()) };
}

describe('StdinWriter', () => {
  it('stops writing when the pipe is full and resumes in order on drain', async () => {
    const sink = slowSink();
    const writer = new StdinWriter(sink.stream, 1);
    for (const line of ['one\n', 'two\n', 'three\n']) expect(writer.write(line).isOk()).toBe(true);
    expect(sink.written).toEqual(['one\n']);
    expect(writer.queuedChars).toBe('two\nthree\n'.length);
    for (let round = 0; round < 4; round += 1) {
      sink.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sink.written).toEqual(['one\n', 'two\n', 'three\n']);
    expect(writer.queuedChars).toBe(0);
  });

  it('refuses writes after end or a broken pipe', () => {
    const sink = slowSink();
    const writer = new StdinWriter(sink.stream, 7);
    writer.end();
    expect(writer.write('late\n')._unsafeUnwrapErr()).toEqual({ kind: 'StdinClosed', pid: 7 });
  });
});
