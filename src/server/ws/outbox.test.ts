import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameEncoder, passesBound } from './outbox.js';

describe('passesBound', () => {
  it('counts the frame about to be queued, not only what is waiting', () => {
    expect(passesBound(900, 100, 1_000)).toBe(false);
    expect(passesBound(901, 100, 1_000)).toBe(true);
    expect(passesBound(1, 5_000, 1_000)).toBe(true);
  });

  it('lets one frame larger than the bound go to a client with nothing waiting', () => {
    expect(passesBound(0, 5_000, 1_000)).toBe(false);
  });

  it('counts bytes published but not yet written once the send buffer holds any', () => {
    expect(passesBound(1, 100, 1_000, 900)).toBe(true);
    expect(passesBound(1, 100, 1_000, 899)).toBe(false);
    expect(passesBound(0, 100, 1_000, 5_000)).toBe(false);
  });

  it('never lets a queue that was within the bound grow past it', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), fc.integer({ min: 1, max: 10_000 }), (buffered, frame, bound) => {
        if (buffered > 0 && !passesBound(buffered, frame, bound)) expect(buffered + frame).toBeLessThanOrEqual(bound);
      }),
    );
  });
});

describe('FrameEncoder', () => {
  it('encodes to UTF-8 and reuses the bytes of a repeated frame', () => {
    const encoder = new FrameEncoder();
    const first = encoder.encode('{"t":"é"}');
    expect(first.toString('utf8')).toBe('{"t":"é"}');
    expect(first.length).toBe(Buffer.byteLength('{"t":"é"}'));
    expect(encoder.encode('{"t":"é"}')).toBe(first);
    expect(encoder.encode('{"t":"a"}').toString('utf8')).toBe('{"t":"a"}');
  });
});
