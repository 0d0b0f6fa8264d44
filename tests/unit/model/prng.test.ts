// The TypeScript PRNG reproduces the Python one (training/tessera/prng.py) bit for bit.

import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { gaussianNoise, ln, LN2, splitmix32, Xoshiro128 } from '../../../src/engine/sampler/prng.ts';
import { FIXTURES } from './golden-helpers.ts';

interface Fixture {
  cases: { seed: number; u32: number[]; uniform53: number[]; normal: number[] }[];
  ln: [number, number][];
  noise: { seed: number; count: number; float32: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('prng.json', FIXTURES), 'utf8')) as Fixture;

// Object.is tells -0 from 0 and compares NaN, so equality here is bit for bit.
const bits = (xs: ArrayLike<number>): string[] =>
  Array.from(xs, (x) => (Object.is(x, -0) ? '-0' : x.toString()));

describe('PRNG shared with Python', () => {
  for (const c of fixture.cases) {
    it(`seed ${c.seed}: u32, uniform53 and normal streams match`, () => {
      const a = new Xoshiro128(c.seed);
      expect(c.u32.map(() => a.nextU32())).toEqual(c.u32);
      const b = new Xoshiro128(c.seed);
      expect(bits(c.uniform53.map(() => b.uniform53()))).toEqual(bits(c.uniform53));
      const n = new Xoshiro128(c.seed);
      expect(bits(c.normal.map(() => n.normal()))).toEqual(bits(c.normal));
    });
  }

  it('ln matches bit for bit, and Math.log closely', () => {
    for (const [x, y] of fixture.ln) {
      expect(ln(x)).toBe(y);
      expect(Math.abs(ln(x) - Math.log(x))).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(Math.log(x))));
    }
    expect(ln(2)).toBe(LN2);
  });

  it('gaussianNoise gives the float32 noise Python gives', () => {
    const { seed, count, float32 } = fixture.noise;
    const noise = gaussianNoise(seed, count);
    expect(noise).toBeInstanceOf(Float32Array);
    expect(bits(noise)).toEqual(bits(float32));
    // The float32 values are the float64 normals of the same stream, rounded once.
    const n = new Xoshiro128(seed);
    expect(bits(noise)).toEqual(bits(Array.from({ length: count }, () => Math.fround(n.normal()))));
  });

  it('splitmix32 follows its formula from state 0', () => {
    let z = 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    expect(splitmix32(0)).toEqual({ value: (z ^ (z >>> 16)) >>> 0, state: 0x9e3779b9 });
  });

  it('normals have the right moments', () => {
    const x = gaussianNoise(123, 20000);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('refuses seeds outside u32', () => {
    expect(() => new Xoshiro128(-1)).toThrow(/seed/);
    expect(() => new Xoshiro128(2 ** 32)).toThrow(/seed/);
    expect(() => new Xoshiro128(1.5)).toThrow(/seed/);
  });
});
