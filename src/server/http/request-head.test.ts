import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHead, decodeParams, MAX_URL_BYTES, type RequestHead } from './request-head.js';

const head = (overrides: Partial<RequestHead>): RequestHead => ({ method: 'GET', url: '/a', query: '', headers: {}, repeated: [], requestId: 'r', ...overrides });

describe('decodeParams', () => {
  it('never throws: any text decodes, or is a 400 naming its parameter', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }), fc.array(fc.constantFrom('%', '%4', '%41', '%C3', '%A9', '%C0', '%AF', '%E0', '%ED', '%A0', '%80', '%zz', 'a'), { maxLength: 8 }).map((parts) => parts.join('')), (any, escapes) => {
        for (const raw of [any, escapes]) {
          const decoded = decodeParams(['id', 'userId'], ['ok', raw]);
          let expected: string | undefined;
          try {
            expected = decodeURIComponent(raw);
          } catch {
            expected = undefined;
          }
          if (expected === undefined) {
            if (decoded.isOk() || decoded.error.code !== 'bad_request' || decoded.error.details?.['parameter'] !== 'userId') return false;
          } else if (decoded.isErr() || decoded.value['userId'] !== expected || decoded.value['id'] !== 'ok') return false;
        }
        return true;
      }),
    );
  });

  it('round-trips whatever encodeURIComponent produced', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeParams(['id'], [encodeURIComponent(text)])._unsafeUnwrap()).toEqual({ id: text });
      }),
    );
  });
});

describe('checkHead', () => {
  it('refuses repeated single-valued headers and closes the connection', () => {
    expect(checkHead(head({ repeated: ['content-length'] }))).toMatchObject({ close: true, error: { code: 'bad_request', details: { headers: ['content-length'] } } });
  });

  it('refuses a URL over the limit, counting the query and its "?"', () => {
    expect(checkHead(head({ url: `/${'a'.repeat(MAX_URL_BYTES - 1)}` }))).toBeUndefined();
    expect(checkHead(head({ url: `/${'a'.repeat(MAX_URL_BYTES)}` }))?.error.code).toBe('uri_too_long');
    expect(checkHead(head({ url: '/a', query: 'q'.repeat(MAX_URL_BYTES - 3) }))).toBeUndefined();
    expect(checkHead(head({ url: '/a', query: 'q'.repeat(MAX_URL_BYTES - 2) }))?.error.code).toBe('uri_too_long');
  });
});
