import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProfileDemand } from './demand.js';
import { DEFAULT_AGENT_OPTIONS, DEFAULT_TENANT } from './profile.js';

const options = DEFAULT_AGENT_OPTIONS;

describe('ProfileDemand', () => {
  it('prewarms the default profile until something is asked for', () => {
    expect(new ProfileDemand().top(0)).toEqual({ tenant: DEFAULT_TENANT, options });
  });

  it('follows the most demanded profile, and a shift of demand once old requests decay', () => {
    const demand = new ProfileDemand(1_000);
    for (let i = 0; i < 5; i++) demand.record('acme', options, 0);
    demand.record('globex', options, 0);
    expect(demand.top(0).tenant).toBe('acme');
    demand.record('globex', options, 5_000);
    expect(demand.top(5_000).tenant).toBe('globex');
  });

  it('always answers with a profile that was recorded (or the default)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat(10_000)), { maxLength: 30 }), (requests) => {
        const demand = new ProfileDemand(1_000);
        let at = 0;
        for (const [tenant, step] of requests) demand.record(tenant, options, (at += step));
        const top = demand.top(at).tenant;
        expect(requests.length === 0 ? top === DEFAULT_TENANT : requests.some(([tenant]) => tenant === top)).toBe(true);
      }),
    );
  });
});
