import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_KEY_EVENT, API_KEYS_STREAM } from '../machines/api-keys.events.js';
import { apiKeyBySha256, apiKeysProjection as projection, listApiKeys } from './api-keys.js';
import { foldAll, type ProjectedEvent } from './event.js';
import { assertResumableFold, specFor, streamWriter } from './testing/given-when-then.js';

const T0 = 1_700_000_000_000;
const sha = (n: number) => n.toString(16).padStart(64, '0');
const createdData = (id: string, n: number, at = T0) => ({ id, name: `user-${id}`, role: 'user', tenant: 'acme', sha256: sha(n), last4: 'abcd', at, by: 'admin' });

describe('api-keys: given/when/then', () => {
  it('a created key is listed and found by its digest; a revocation marks it, once', () => {
    const write = streamWriter(API_KEYS_STREAM);
    const given = specFor(projection).given([write(API_KEY_EVENT.created, createdData('k1', 1), {})]);
    const after = given.when(write(API_KEY_EVENT.revoked, { id: 'k1', at: T0 + 5, by: 'ops' }, {})).then((state) => {
      expect(apiKeyBySha256(state, sha(1))).toMatchObject({ id: 'k1', revokedAt: T0 + 5, revokedBy: 'ops' });
    });
    expect(projection.apply(after, write(API_KEY_EVENT.revoked, { id: 'k1', at: T0 + 9, by: 'ops' }, {})).byId['k1']!.revokedAt).toBe(T0 + 5);
  });

  it('skips duplicates, unknown keys, malformed data and ids like constructor; ignores other streams', () => {
    const write = streamWriter(API_KEYS_STREAM);
    const state = foldAll(projection, [
      write(API_KEY_EVENT.created, createdData('k1', 1), {}),
      write(API_KEY_EVENT.created, createdData('k1', 2), {}),
      write(API_KEY_EVENT.created, createdData('k2', 1), {}),
      write(API_KEY_EVENT.created, { ...createdData('k3', 3), sha256: 'nothex' }, {}),
      write(API_KEY_EVENT.revoked, { id: 'constructor', at: T0, by: 'x' }, {}),
      write('SomethingElse', {}, {}),
      write(API_KEY_EVENT.created, 'junk', {}),
    ]);
    expect(listApiKeys(state).map((key) => key.id)).toEqual(['k1']);
    expect(state.skipped).toBe(6);
    expect(apiKeyBySha256(state, sha(2))).toBeUndefined();
    expect(apiKeyBySha256(state, 'constructor')).toBeUndefined();
    const other = { stream: 'session-s1', type: API_KEY_EVENT.created, revision: 0n, data: createdData('k9', 9), metadata: {} };
    expect(projection.apply(state, other)).toBe(state);
  });
});

/** Histories of creations and revocations over a few ids and digests, in any order, with some junk. */
const histories: fc.Arbitrary<ProjectedEvent[]> = fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('create' as const), id: fc.constantFrom('k1', 'k2', 'k3', 'constructor'), n: fc.nat(4), at: fc.nat(1000) }),
      fc.record({ kind: fc.constant('revoke' as const), id: fc.constantFrom('k1', 'k2', 'k3', 'nope'), at: fc.nat(1000) }),
      fc.record({ kind: fc.constant('junk' as const), data: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.nat())) }),
    ),
    { maxLength: 30 },
  )
  .map((steps) => {
    const write = streamWriter(API_KEYS_STREAM);
    return steps.map((step) =>
      step.kind === 'create'
        ? write(API_KEY_EVENT.created, createdData(step.id, step.n, step.at), {})
        : step.kind === 'revoke'
          ? write(API_KEY_EVENT.revoked, { id: step.id, at: step.at, by: 'admin' }, {})
          : write(API_KEY_EVENT.created, step.data, {}),
    );
  });

describe('api-keys: properties', () => {
  it('a key is active exactly when its first creation came before any revocation of it; digests map to one key each', () => {
    fc.assert(
      fc.property(histories, (events) => {
        const state = foldAll(projection, events);
        const firstCreated = new Map<string, number>();
        const usedDigests = new Set<string>();
        const revokedAfter = new Set<string>();
        events.forEach((event, index) => {
          const data = event.data as { id?: string; sha256?: string };
          if (event.type === API_KEY_EVENT.created && typeof data?.id === 'string' && !firstCreated.has(data.id) && !usedDigests.has(data.sha256!)) {
            firstCreated.set(data.id, index);
            usedDigests.add(data.sha256!);
          }
          if (event.type === API_KEY_EVENT.revoked && firstCreated.has(data.id!)) revokedAfter.add(data.id!);
        });
        expect(new Set(Object.keys(state.byId))).toEqual(new Set(firstCreated.keys()));
        for (const key of listApiKeys(state)) {
          expect(key.revokedAt !== null).toBe(revokedAfter.has(key.id));
          expect(apiKeyBySha256(state, key.sha256)).toBe(key);
        }
        expect(state.skipped + firstCreated.size + revokedAfter.size).toBe(events.length);
      }),
    );
  });

  it('folds resumably from a JSON round trip of any prefix (checkpoints)', () => {
    assertResumableFold(projection, histories);
  });
});
