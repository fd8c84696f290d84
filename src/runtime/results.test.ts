import { errAsync, okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { mapAsync, mapErrAsync } from './results.js';

describe('mapAsync and mapErrAsync', () => {
  it('map the ok value or the error as ResultAsync.map and mapErr do, leaving the other side alone', async () => {
    expect((await mapAsync(okAsync(2), (n) => n * 3))._unsafeUnwrap()).toBe(6);
    expect((await mapAsync(errAsync<number, string>('no'), (n) => n * 3))._unsafeUnwrapErr()).toBe('no');
    expect((await mapErrAsync(errAsync('no'), (e) => `${e}!`))._unsafeUnwrapErr()).toBe('no!');
    expect((await mapErrAsync(okAsync<number, string>(2), (e) => `${e}!`))._unsafeUnwrap()).toBe(2);
  });
});
