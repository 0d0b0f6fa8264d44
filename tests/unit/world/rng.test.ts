import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/world/rng';

describe('Rng (xoshiro128** seeded through splitmix32)', () => {
  // From a C reference of the same splitmix32 + xoshiro128** on uint32_t, compiled with gcc.
  it('matches the C reference stream', () => {
    const firstSix = (rng: Rng) => Array.from({ length: 6 }, () => rng.nextU32());
    expect(firstSix(new Rng(0))).toEqual([
      3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335,
    ]);
    expect(firstSix(new Rng(12345))).toEqual([
      518667457, 440444462, 4232892992, 3757857622, 3939018813, 1334683535,
    ]);
  });

  it('gives independent streams for one seed and repeats each exactly', () => {
    const draw = (seed: number, stream: number) =>
      Array.from({ length: 8 }, () => new Rng(seed, stream).nextU32());
    expect(draw(5, 1)).toEqual(draw(5, 1));
    const firsts = new Set(Array.from({ length: 1000 }, (_, stream) => new Rng(5, stream).nextU32()));
    expect(firsts.size).toBeGreaterThan(995);
  });

  it('keeps floats in [0, 1), ranges and ints in bounds, and covers them', () => {
    const rng = new Rng(42);
    const seen = new Set<number>();
    let low = 1;
    let high = 0;
    for (let i = 0; i < 20000; i++) {
      const f = rng.nextFloat();
      low = Math.min(low, f);
      high = Math.max(high, f);
      const r = rng.range(-2, 3);
      expect(r).toBeGreaterThanOrEqual(-2);
      expect(r).toBeLessThan(3);
      const n = rng.int(7);
      expect(Number.isInteger(n) && n >= 0 && n < 7).toBe(true);
      seen.add(n);
    }
    expect(low).toBeGreaterThanOrEqual(0);
    expect(low).toBeLessThan(0.001);
    expect(high).toBeLessThan(1);
    expect(high).toBeGreaterThan(0.999);
    expect(seen.size).toBe(7);
    expect(['a', 'b', 'c']).toContain(rng.pick(['a', 'b', 'c']));
  });

  it('rejects what it cannot do', () => {
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => new Rng(1).int(0)).toThrow(RangeError);
    expect(() => new Rng(1).pick([])).toThrow(RangeError);
  });
});
