import { describe, expect, it } from 'vitest';

import { eulerStep, guide, shiftTime, timesteps } from '../../../src/engine/sampler/schedule.ts';

describe('schedule', () => {
  it('runs from 1 to 0, linear without shift', () => {
    expect([...timesteps(4, 1)]).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect([...timesteps(1, 3)]).toEqual([1, 0]);
  });

  it('shifts toward high noise as SD3 does', () => {
    const ts = timesteps(2, 3);
    expect(ts[1]).toBe((3 * 0.5) / (1 + 2 * 0.5));
    expect(shiftTime(0.25, 2)).toBe(0.5 / 1.25);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeLessThan(ts[i - 1]!);
  });

  it('matches the Python schedule in the goldens exactly', async () => {
    const { readFileSync } = await import('node:fs');
    const { FIXTURES } = await import('./golden-helpers.ts');
    const index = JSON.parse(readFileSync(new URL('tiny/goldens.json', FIXTURES), 'utf8'));
    expect([...timesteps(index.sample.steps, index.sample.shift)]).toEqual(index.sample.timesteps);
  });

  it('refuses bad step counts and shifts', () => {
    expect(() => timesteps(0, 1)).toThrow(/steps/);
    expect(() => timesteps(2.5, 1)).toThrow(/steps/);
    expect(() => timesteps(2, 0)).toThrow(/shift/);
  });

  it('Euler step and guidance', () => {
    const x = new Float32Array([1, 2]);
    expect([...eulerStep(x, new Float32Array([2, -4]), 1, 0.75, new Float32Array(2))]).toEqual([0.5, 3]);
    const out = guide(new Float64Array([3, 1]), new Float64Array([1, 1]), 2, new Float64Array(2));
    expect([...out]).toEqual([5, 1]);
    expect(() => guide(new Float64Array(2), new Float64Array(3), 1, new Float64Array(2))).toThrow(/lengths/);
  });

  it('an exact velocity reaches the data in any number of steps', () => {
    const x0 = new Float64Array([0.3, -1.2, 2.5]);
    const noise = new Float64Array([1.1, 0.4, -0.7]);
    const v = noise.map((n, i) => n - x0[i]!);
    for (const [steps, shift] of [
      [1, 1],
      [4, 3],
      [7, 0.5],
    ] as const) {
      const ts = timesteps(steps, shift);
      let x = Float64Array.from(noise);
      for (let i = 0; i < steps; i++) x = eulerStep(x, v, ts[i]!, ts[i + 1]!, x);
      x.forEach((xi, i) => expect(xi).toBeCloseTo(x0[i]!, 12));
    }
  });
});
