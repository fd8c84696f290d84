import fc from 'fast-check';
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
});
