import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS } from '../routes/schemas.js';
import { CLIENT_FRAME, parseClientFrame } from './protocol.js';

describe('parseClientFrame', () => {
  it('accepts each valid client frame', () => {
    const frames = [
      { type: CLIENT_FRAME.hello, token: 't', userId: 'ada', tenant: 'acme', client: 'cli/1' },
      { type: CLIENT_FRAME.subscribe, session: 's1', fromRevision: 3, ref: 'r' },
      { type: CLIENT_FRAME.subscribe, session: 's1' },
      { type: CLIENT_FRAME.unsubscribe, session: 's1' },
      { type: CLIENT_FRAME.send, session: 's1', text: 'hi', clientMsgId: 'c1' },
      { type: CLIENT_FRAME.interrupt, session: 's1' },
      { type: CLIENT_FRAME.presence, session: 's1', status: 'typing' },
    ];
    for (const frame of frames) expect(parseClientFrame(JSON.stringify(frame))._unsafeUnwrap()).toEqual(frame);
  });

  it('names invalid JSON, unknown types and schema violations with their codes, keeping the ref', () => {
    expect(parseClientFrame('{')._unsafeUnwrapErr()).toEqual({ code: 'invalid_json', message: 'the frame is not valid JSON' });
    expect(parseClientFrame('"hello"')._unsafeUnwrapErr().code).toBe('validation_failed');
    expect(parseClientFrame('null')._unsafeUnwrapErr().code).toBe('validation_failed');
    expect(parseClientFrame('{"type":"dance","ref":"x"}')._unsafeUnwrapErr()).toMatchObject({ code: 'validation_failed', ref: 'x', message: expect.stringContaining('unknown frame type "dance"') });
    expect(parseClientFrame('{"type":"toString"}')._unsafeUnwrapErr().code).toBe('validation_failed');
    expect(parseClientFrame('{"type":"send","session":"s","text":"hi","ref":"r"}')._unsafeUnwrapErr()).toMatchObject({ code: 'validation_failed', ref: 'r', message: expect.stringContaining('clientMsgId') });
    expect(parseClientFrame('{"type":"subscribe","session":"s","fromRevision":1.5}')._unsafeUnwrapErr().message).toContain('/fromRevision');
    expect(parseClientFrame('{"type":"presence","session":"s","status":"left"}')._unsafeUnwrapErr().code).toBe('validation_failed');
  });

  it('caps send text at the REST limit and names it', () => {
    const send = (text: string) => JSON.stringify({ type: CLIENT_FRAME.send, session: 's', text, clientMsgId: 'c', ref: 'r' });
    expect(parseClientFrame(send('x'.repeat(MAX_MESSAGE_CHARS))).isOk()).toBe(true);
    const over = parseClientFrame(send('x'.repeat(MAX_MESSAGE_CHARS + 1)))._unsafeUnwrapErr();
    expect(over).toMatchObject({ code: 'validation_failed', ref: 'r' });
    expect(over.message).toContain('/text');
    expect(over.message).toContain(String(MAX_MESSAGE_CHARS));
  });

  it('refuses unknown fields in every frame type, naming the field', () => {
    const frames = [
      { type: CLIENT_FRAME.hello, userId: 'ada', extra: 1 },
      { type: CLIENT_FRAME.subscribe, session: 's1', extra: 1 },
      { type: CLIENT_FRAME.unsubscribe, session: 's1', extra: 1 },
      { type: CLIENT_FRAME.send, session: 's1', text: 'hi', clientMsgId: 'c1', extra: 1 },
      { type: CLIENT_FRAME.interrupt, session: 's1', extra: 1 },
      { type: CLIENT_FRAME.presence, session: 's1', status: 'typing', extra: 1 },
    ];
    for (const frame of frames) {
      const refused = parseClientFrame(JSON.stringify(frame))._unsafeUnwrapErr();
      expect(refused.code).toBe('validation_failed');
      expect(refused.message).toContain('extra');
    }
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const parsed = parseClientFrame(text);
        expect(parsed.isOk() || ['invalid_json', 'validation_failed'].includes(parsed._unsafeUnwrapErr().code)).toBe(true);
      }),
    );
  });
});
