import { describe, expect, it } from 'vitest';
import {
  attentionProbabilities,
  effectiveKeys,
  meanOverHeads,
  tokenCell,
  tokenIndex,
} from '../../../src/engine/model/attention-map.ts';
import { attention } from '../../../src/engine/model/reference/ops.ts';
import { tensor } from '../../../src/engine/model/reference/tensor.ts';
import { Rng } from '../../../src/world/rng.ts';

describe('attentionProbabilities', () => {
  // Odd shapes: 7 tokens, 3 heads of 2 features.
  const [L, D, heads] = [7, 6, 3];
  const rng = new Rng(11);
  const qkv = Float64Array.from({ length: L * 3 * D }, () => rng.range(-2, 2));

  it('weights the values exactly as the reference attention does', () => {
    const p = attentionProbabilities(qkv, L, D, heads);
    const expected = attention(tensor([1, L, 3 * D], qkv), heads).data; // (1, L, D)
    const hd = D / heads;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < L; i++) {
        for (let e = 0; e < hd; e++) {
          let sum = 0;
          for (let j = 0; j < L; j++) sum += p[(h * L + i) * L + j]! * qkv[j * 3 * D + 2 * D + h * hd + e]!;
          expect(sum).toBeCloseTo(expected[i * D + h * hd + e]!, 5);
        }
      }
    }
  });

  it('gives rows that sum to one, and their mean over heads', () => {
    const p = attentionProbabilities(qkv, L, D, heads);
    const mean = meanOverHeads(p, heads, L);
    for (let row = 0; row < heads * L; row++) {
      expect(p.subarray(row * L, (row + 1) * L).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    expect(mean[3 * L + 2]).toBeCloseTo(
      (p[3 * L + 2]! + p[(L + 3) * L + 2]! + p[(2 * L + 3) * L + 2]!) / 3,
      7,
    );
  });

  it('refuses a qkv of the wrong size or heads that do not divide the width', () => {
    expect(() => attentionProbabilities(qkv.subarray(1), L, D, heads)).toThrow(/qkv has 125 values/);
    expect(() => attentionProbabilities(qkv, L, D, 4)).toThrow(/dim 6 does not split into 4 heads/);
  });
});

describe('token grid', () => {
  it('maps cells to patchify order and back', () => {
    const grid = [3, 2, 5] as const;
    expect(tokenIndex(grid, 1, 1, 2)).toBe(17);
    for (let token = 0; token < 30; token++) expect(tokenIndex(grid, ...tokenCell(grid, token))).toBe(token);
  });

  it('counts effective keys from one (a single key) to L (uniform)', () => {
    expect(effectiveKeys([0, 1, 0, 0])).toBeCloseTo(1, 9);
    expect(effectiveKeys([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(4, 9);
    expect(effectiveKeys([0.5, 0.5, 0, 0])).toBeCloseTo(2, 9);
  });
});
