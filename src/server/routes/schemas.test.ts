import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { AddParticipantBody, CreateSessionBody, EventsQuery, MAX_MESSAGE_CHARS, queryObject, SendMessageBody, validator } from './schemas.js';

const create = validator(CreateSessionBody);
const send = validator(SendMessageBody);
const events = validator(EventsQuery, 'query');

describe('validator', () => {
  it('accepts valid bodies as they are', () => {
    const body = { model: 'sonnet', cwd: 'repo/app', permissionMode: 'plan', allowedTools: ['Read'], systemPrompt: '', metadata: { team: 'core' }, share: true };
    expect(create(body)._unsafeUnwrap()).toEqual(body);
    expect(create({})._unsafeUnwrap()).toEqual({});
  });

  it('names the field of each problem, unknown fields included', () => {
    const error = create({ colour: 'blue', model: 3 })._unsafeUnwrapErr();
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual({ field: 'colour', problems: [{ field: 'colour', message: 'unknown field' }, { field: 'model', message: 'must be string' }] });
    expect(error.message).toBe('request body field "colour": unknown field');
    expect(send({})._unsafeUnwrapErr().details).toMatchObject({ field: 'text', problems: [{ field: 'text', message: 'required' }] });
    expect(create({ metadata: { a: 1 } })._unsafeUnwrapErr().details).toMatchObject({ field: 'metadata.a' });
    expect(validator(AddParticipantBody)({ userId: 'bob', role: 'owner' })._unsafeUnwrapErr().details).toMatchObject({ problems: [{ field: 'role', message: 'must be one of editor, viewer' }] });
  });

  it('bounds message text', () => {
    expect(send({ text: 'x'.repeat(MAX_MESSAGE_CHARS) }).isOk()).toBe(true);
    expect(send({ text: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }).isErr()).toBe(true);
    expect(send({ text: '' }).isErr()).toBe(true);
  });

  it('accepts only relative working directories without ".."', () => {
    fc.assert(
      fc.property(fc.string(), (cwd) => {
        const accepted = create({ cwd }).isOk();
        if (accepted) expect(cwd.startsWith('/') || cwd.includes('..') || cwd.startsWith('.') || cwd.includes('//')).toBe(false);
      }),
    );
    for (const bad of ['/etc', '../up', 'a/../b', '.hidden', 'a//b', '']) expect(create({ cwd: bad }).isErr(), bad).toBe(true);
  });

  it('coerces query text to numbers and refuses what is out of range', () => {
    expect(events(queryObject(new URLSearchParams('from=3&limit=10')))._unsafeUnwrap()).toEqual({ from: 3, limit: 10 });
    expect(events(queryObject(new URLSearchParams('limit=1001')))._unsafeUnwrapErr().details).toMatchObject({ field: 'limit' });
    expect(events(queryObject(new URLSearchParams('from=-1')))._unsafeUnwrapErr().message).toMatch(/^query field "from"/);
    expect(events(queryObject(new URLSearchParams('cursor=x')))._unsafeUnwrapErr().details).toMatchObject({ field: 'cursor' });
  });

  it('accepts only plain decimal query numbers that are finite and safe integers', () => {
    for (const text of ['Infinity', '-Infinity', '1e309', '9'.repeat(54), '1'.repeat(1000), 'NaN', '1.5', '0x10', ' 1', '1e3', '', '9007199254740992']) {
      const error = events(queryObject(new URLSearchParams({ from: text })))._unsafeUnwrapErr();
      expect(error.details, text.slice(0, 20)).toMatchObject({ field: 'from' });
    }
    expect(events(queryObject(new URLSearchParams('from=9007199254740991')))._unsafeUnwrap()).toEqual({ from: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = events({ from: text });
        if (parsed.isOk()) expect(Number.isSafeInteger(parsed.value.from) && String(parsed.value.from) === String(Number(text))).toBe(true);
      }),
    );
  });

  it('refuses non-finite numbers and unsafe integers in bodies too', () => {
    const counted = validator(Type.Object({ n: Type.Integer(), x: Type.Optional(Type.Number()) }));
    expect(counted(JSON.parse('{"n":1e309}')).isErr()).toBe(true);
    expect(counted({ n: 2 ** 53 }).isErr()).toBe(true);
    expect(counted({ n: 1, x: JSON.parse('-1e309') }).isErr()).toBe(true);
    expect(counted({ n: -(2 ** 53 - 1), x: 1.5 }).isOk()).toBe(true);
  });

  it('refuses a metadata key over 100 characters by name', () => {
    const key = 'k'.repeat(101);
    expect(create({ metadata: { [key]: 'v' } })._unsafeUnwrapErr().details).toMatchObject({ field: `metadata.${key}`, problems: [{ field: `metadata.${key}`, message: 'key must NOT have more than 100 characters' }] });
    expect(create({ metadata: { ['k'.repeat(100)]: 'v' } }).isOk()).toBe(true);
  });

  it('refuses a body of null (only an absent body counts as empty)', () => {
    expect(create(null)._unsafeUnwrapErr().message).toBe('request body: must be object');
  });
});
