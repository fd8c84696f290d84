/**
 * Option records of the machines (pool scaling, circuit breaker): merging overrides into a full set and comparing
 * two sets, so that configuration, stored events and reconfiguration all agree on what "the same options" means.
 */

/**
 * `base` with every option `overrides` sets to a value. Keys left out or `undefined` keep their value and unknown
 * keys are dropped, so a context stays plain JSON with exactly the option keys.
 */
export function mergeOptions<T extends object>(base: Readonly<T>, overrides: Partial<T>): T {
  const defined = Object.entries(overrides).filter(([key, value]) => value !== undefined && Object.hasOwn(base, key));
  return { ...base, ...(Object.fromEntries(defined) as Partial<T>) };
}

/** Whether `a` and `b` set every option of `reference` alike (key order does not matter). */
export function sameOptions<T extends object>(reference: Readonly<T>, a: Readonly<T>, b: Readonly<T>): boolean {
  return (Object.keys(reference) as (keyof T)[]).every((key) => a[key] === b[key]);
}
