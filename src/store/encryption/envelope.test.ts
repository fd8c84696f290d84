import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../types.js';
import { openData, SEALED_FIELD, sealData, UNREADABLE_MARK } from './envelope.js';
import { UNREADABLE_FIELD } from './errors.js';
import { compilePaths } from './field-paths.js';
import { newKeyEntry, parseKeyring, type Keyring } from './keyring.js';

const ring = (text: string): Keyring => parseKeyring(text, 'test')._unsafeUnwrap();
const k1 = newKeyEntry('k1');
const k2 = newKeyEntry('k2');
const keyring = ring(`${k1}\n${k2}`);
const current = keyring.current!;
const paths = compilePaths(['text', 'content', 'options.systemPrompt', '$sealed', '$unreadable']);
const where = { stream: 'session-1', id: '0190a1b2-0000-7000-8000-000000000001', type: 'MessageAccepted' };
const message = { type: 'MESSAGE_ACCEPTED', at: 1, turnId: 't1', text: 'the secret plan', userId: 'alice' };
const jsonRoundTrip = (value: JsonValue): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;

describe('sealData / openData', () => {
  it('takes the sensitive fields out, keeps the rest in clear, and puts them back', () => {
    const sealed = sealData(message, paths, current, where);
    expect(sealed).toMatchObject({ type: 'MESSAGE_ACCEPTED', at: 1, turnId: 't1', userId: 'alice' });
    expect(sealed).not.toHaveProperty('text');
    expect(sealed[SEALED_FIELD]).toMatchObject({ k: 'k2', f: ['text'] });
    expect(JSON.stringify(sealed)).not.toContain('secret plan');
    expect(openData(jsonRoundTrip(sealed) as JsonObject, keyring, where)._unsafeUnwrap()).toEqual(message);
  });

  it('leaves data without sensitive fields as it is (same object)', () => {
    const data = { type: 'AGENT_OUTPUT', at: 1, turnId: 't1', chunkType: 'assistant' };
    expect(sealData(data, paths, current, where)).toBe(data);
  });

  it('seals a nested path and leaves its siblings in clear', () => {
    const input = { sessionId: 's', options: { model: 'opus', systemPrompt: 'be terse', cwd: '/w' } };
    const sealed = sealData(input, paths, current, where);
    expect(sealed['options']).toEqual({ model: 'opus', cwd: '/w' });
    expect(openData(sealed, keyring, where)._unsafeUnwrap()).toEqual(input);
  });

  it('opens what an older key sealed after rotation (the ring keeps it), and seals new data with the newest', () => {
    const before = sealData(message, paths, ring(k1).current!, where);
    expect(before[SEALED_FIELD]).toMatchObject({ k: 'k1' });
    expect(openData(before, keyring, where)._unsafeUnwrap()).toEqual(message);
  });

  it('marks the fields, never shows ciphertext, when the key is not in the ring', () => {
    const sealed = sealData(message, paths, current, where);
    const failure = openData(sealed, ring(k1), where)._unsafeUnwrapErr();
    expect(failure).toMatchObject({ reason: 'UnknownKey', keyId: 'k2' });
    expect(failure.marked).toEqual({ ...message, text: UNREADABLE_FIELD, [UNREADABLE_MARK]: { reason: 'UnknownKey', keyId: 'k2' } });
  });

  it('detects a different key under the same id (wrong key)', () => {
    const sealed = sealData(message, paths, current, where);
    const impostor = ring(`${k1}\n${newKeyEntry('k2')}`);
    expect(openData(sealed, impostor, where)._unsafeUnwrapErr()).toMatchObject({ reason: 'Tampered', keyId: 'k2' });
  });

  it('detects altered ciphertext', () => {
    const sealed = sealData(message, paths, current, where) as { [SEALED_FIELD]: { c: string } };
    const box = Buffer.from(sealed[SEALED_FIELD].c, 'base64');
    box[14] = (box[14] as number) ^ 1;
    const altered = { ...sealed, [SEALED_FIELD]: { ...sealed[SEALED_FIELD], c: box.toString('base64') } } as unknown as JsonObject;
    expect(openData(altered, keyring, where)._unsafeUnwrapErr().reason).toBe('Tampered');
  });

  it('detects a box moved to another event (bound to stream, id and type)', () => {
    const sealed = sealData(message, paths, current, where);
    expect(openData(sealed, keyring, { ...where, id: '0190a1b2-0000-7000-8000-000000000002' })._unsafeUnwrapErr().reason).toBe('Tampered');
    expect(openData(sealed, keyring, { ...where, stream: 'session-2' })._unsafeUnwrapErr().reason).toBe('Tampered');
  });

  it('reports a malformed envelope as such', () => {
    expect(openData({ a: 1, [SEALED_FIELD]: 'nonsense' }, keyring, where)._unsafeUnwrapErr()).toMatchObject({ reason: 'Malformed', marked: { a: 1 } });
    expect(openData({ [SEALED_FIELD]: { k: 'k2', f: ['text'], c: 'AAAA' } }, keyring, where)._unsafeUnwrapErr().reason).toBe('Malformed');
  });

  it('property: any data round-trips through seal, JSON and open', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.option(fc.jsonValue({ maxDepth: 2 })), (data, text) => {
        const input = (text === null ? data : { ...data, text }) as JsonObject;
        const stored = jsonRoundTrip(sealData(input, paths, current, where)) as JsonObject;
        const read = SEALED_FIELD in stored ? openData(stored, keyring, where)._unsafeUnwrap() : stored;
        expect(read).toEqual(jsonRoundTrip(input));
      }),
    );
  });

  it('property: the stored form never contains a sealed text', () => {
    const secret = fc.tuple(fc.string({ minLength: 3 }), fc.string({ minLength: 3 })).map(([a, b]) => `${a} ${b}`);
    fc.assert(
      fc.property(secret, secret, (text, prompt) => {
        const stored = JSON.stringify(sealData({ text, at: 1, options: { systemPrompt: prompt, model: 'm' } }, paths, current, where));
        expect(stored).not.toContain(JSON.stringify(text).slice(1, -1));
        expect(stored).not.toContain(JSON.stringify(prompt).slice(1, -1));
      }),
    );
  });
});
