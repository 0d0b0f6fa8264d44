import { describe, expect, it } from 'vitest';
import { dispatchGrid } from '../../src/engine/gpu/dispatch.ts';
import { kernelLabel } from '../../src/engine/gpu/pipeline-cache.ts';
import { compareClose } from '../helpers/allclose.ts';

describe('dispatchGrid', () => {
  it('keeps small dispatches one-dimensional', () => {
    expect(dispatchGrid(0, 65535)).toEqual([0, 1]);
    expect(dispatchGrid(65535, 65535)).toEqual([65535, 1]);
  });

  it('covers every workgroup with neither dimension over the limit', () => {
    for (const count of [65536, 65535 * 3 + 1, 1_000_003, 65535 * 65535]) {
      const [x, y] = dispatchGrid(count, 65535);
      expect(x).toBeLessThanOrEqual(65535);
      expect(y).toBeLessThanOrEqual(65535);
      expect(x * y).toBeGreaterThanOrEqual(count);
      expect(x * (y - 1)).toBeLessThan(count); // no wasted row
    }
  });

  it('refuses what cannot be dispatched', () => {
    expect(() => dispatchGrid(65535 * 65535 + 1, 65535)).toThrow(RangeError);
    expect(() => dispatchGrid(-1, 65535)).toThrow(/non-negative/);
    expect(() => dispatchGrid(1.5, 65535)).toThrow(/integer/);
  });
});

describe('kernelLabel', () => {
  it('names a kernel by name, dtype and variant, never by shape', () => {
    expect(kernelLabel({ name: 'matmul', dtype: 'f16', variant: 'gelu' })).toBe('matmul:f16:gelu');
    expect(kernelLabel({ name: 'gelu', dtype: 'f32' })).toBe('gelu:f32');
  });
});

describe('compareClose', () => {
  it('is two-sided: an error below the reference fails as one above does', () => {
    expect(compareClose([1.1], [1], 0, 0.05).ok).toBe(false);
    expect(compareClose([0.9], [1], 0, 0.05).ok).toBe(false);
    expect(compareClose([1.01, 0.99], [1, 1], 0, 0.05).ok).toBe(true);
  });

  it('reports the worst element and fails on NaN', () => {
    const report = compareClose([0, 2, 5, 3], [0, 2, 4, 3], 1e-6, 0);
    expect(report).toMatchObject({ ok: false, worstIndex: 2, maxAbsError: 1 });
    expect(compareClose([NaN], [1], 1, 1).ok).toBe(false);
  });
});
