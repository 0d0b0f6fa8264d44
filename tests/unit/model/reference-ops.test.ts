// Hand-checkable cases for each reference op (odd sizes on purpose); the goldens test then
// checks the ops composed against PyTorch.

import { describe, expect, it } from 'vitest';

import {
  attention,
  batchToFrames,
  chunk,
  conv2d,
  framesToBatch,
  gatedResidual,
  gelu,
  groupNorm,
  layerNorm,
  linear,
  matmul,
  modulate,
  patchify,
  poolPrompt,
  posEmbed3d,
  silu,
  sincos1d,
  softmax,
  tensor,
  timestepEmbedding,
  unpatchify,
  upsampleNearest2x,
  type Tensor,
} from '../../../src/engine/model/reference/index.ts';

const arange = (shape: number[], step = 1): Tensor => {
  const t = tensor(shape);
  t.data.forEach((_, i) => (t.data[i] = i * step));
  return t;
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-12): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i]! - b[i]!), `index ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(eps);
};

describe('reference ops', () => {
  it('matmul and linear', () => {
    const a = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = tensor([3, 2], [7, 8, 9, 10, 11, 12]);
    expect([...matmul(a, b).data]).toEqual([58, 64, 139, 154]);
    // linear over a (2, 1, 3) input with weight (2, 3) = b^T and a bias.
    const y = linear(tensor([2, 1, 3], a.data), tensor([2, 3], [7, 9, 11, 8, 10, 12]), tensor([2], [1, -1]));
    expect(y.shape).toEqual([2, 1, 2]);
    expect([...y.data]).toEqual([59, 63, 140, 153]);
    expect(() => linear(a, tensor([2, 4]), null)).toThrow(/does not end in 4/);
  });

  it('silu and tanh-GELU known values', () => {
    close(silu(tensor([3], [0, 1, -2])).data, [0, 1 / (1 + Math.exp(-1)), -2 / (1 + Math.exp(2))]);
    // GELU tanh approximation at 1 and -3 (values from the formula, and far from erf-GELU at -3).
    close(gelu(tensor([3], [0, 1, -3])).data, [0, 0.8411919906082768, -0.0036373920817729943], 1e-15);
  });

  it('layerNorm normalises each row with the biased variance and eps', () => {
    const y = layerNorm(tensor([2, 3], [1, 2, 3, -5, 0, 5]), 1e-6);
    const s1 = Math.sqrt(2 / 3 + 1e-6);
    const s2 = Math.sqrt(50 / 3 + 1e-6);
    close(y.data, [-1 / s1, 0, 1 / s1, -5 / s2, 0, 5 / s2]);
    const affine = layerNorm(tensor([1, 3], [1, 2, 3]), 1e-6, tensor([3], [2, 2, 2]), tensor([3], [1, 1, 1]));
    close(affine.data, [1 - 2 / s1, 1, 1 + 2 / s1]);
  });

  it('groupNorm: zero mean and unit variance per (sample, group), then per-channel affine', () => {
    const x = arange([2, 6, 3, 5], 0.37); // odd spatial size, 3 groups of 2 channels
    x.data.forEach((v, i) => (x.data[i] = Math.sin(v) * 3 + (i % 7)));
    const y = groupNorm(x, 3, tensor([6], [1, 1, 1, 1, 1, 1]), tensor([6]), 0);
    for (let b = 0; b < 2; b++) {
      for (let g = 0; g < 3; g++) {
        const span = y.data.subarray((b * 6 + 2 * g) * 15, (b * 6 + 2 * g + 2) * 15);
        const mean = span.reduce((s, v) => s + v, 0) / span.length;
        const variance = span.reduce((s, v) => s + (v - mean) ** 2, 0) / span.length;
        expect(Math.abs(mean)).toBeLessThan(1e-12);
        expect(Math.abs(variance - 1)).toBeLessThan(1e-12);
      }
    }
    const w = tensor([6], [1, 2, 3, 4, 5, 6]);
    const z = groupNorm(x, 3, w, tensor([6], [0, 0, 0, 0, 0, 0.5]), 0);
    close(
      z.data.subarray(5 * 15, 6 * 15),
      y.data.subarray(5 * 15, 6 * 15).map((v) => 6 * v + 0.5),
    );
    expect(() => groupNorm(x, 4, w, w)).toThrow(/4 groups do not divide 6/);
  });

  it('softmax is stable and sums to one', () => {
    const y = softmax(tensor([2, 3], [1000, 1001, 1002, 0, 0, Math.log(2)]));
    close(y.data.subarray(3), [0.25, 0.25, 0.5]);
    close(y.data.subarray(0, 3), softmax(tensor([3], [0, 1, 2])).data);
  });

  it('attention: one token returns v; equal keys average the values', () => {
    // qkv (1, 1, 6) with 1 head of 2: output = v.
    close(attention(tensor([1, 1, 6], [1, 2, 3, 4, 5, 6]), 1).data, [5, 6]);
    // Three tokens with identical keys: every output is the mean of v; 2 heads, head_dim 2.
    const qkv = tensor([1, 3, 12]);
    for (let l = 0; l < 3; l++) {
      qkv.data.set([l, -l, 2 * l, 1, 0.5, 0.5, 0.5, 0.5, l, 10 * l, -l, 7], l * 12);
    }
    const out = attention(qkv, 2);
    for (let l = 0; l < 3; l++) close(out.data.subarray(l * 4, l * 4 + 4), [1, 10, -1, 7]);
  });

  it('conv2d with stride 2 and padding 1 on an odd size', () => {
    const x = tensor([1, 1, 5, 5]);
    x.data.fill(1);
    const y = conv2d(x, tensor([1, 1, 3, 3], new Array(9).fill(1)), tensor([1], [0.5]), {
      stride: 2,
      padding: 1,
    });
    expect(y.shape).toEqual([1, 1, 3, 3]);
    // In-bounds neighbours of output (oy, ox) at input (2oy, 2ox): corners 4, edges 6, centre 9.
    expect([...y.data]).toEqual([4.5, 6.5, 4.5, 6.5, 9.5, 6.5, 4.5, 6.5, 4.5]);
    // Cross-correlation (no kernel flip), channels summed: a one-hot kernel picks a shifted input.
    const img = arange([1, 2, 3, 4]);
    const k = tensor([1, 2, 3, 3]);
    k.data[1 * 9 + 0 * 3 + 2] = 1; // channel 1, tap (dy=-1, dx=+1)
    const shifted = conv2d(img, k, null, { padding: 1 });
    expect(shifted.data[1 * 4 + 1]).toBe(img.data[12 + 0 * 4 + 2]);
  });

  it('upsampleNearest2x repeats each pixel into a 2x2 block', () => {
    expect([...upsampleNearest2x(tensor([1, 1, 1, 3], [1, 2, 3])).data]).toEqual([
      1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3,
    ]);
  });

  it('patchify orders tokens (t, h, w) and features (C, pt, ph, pw); unpatchify inverts for C = 1', () => {
    const x = arange([1, 2, 2, 2, 3]); // N=1, C=2, T=2, H=2, W=3; patch (1, 2, 1) → grid (2, 1, 3)
    const p = patchify(x, [1, 2, 1]);
    expect(p.shape).toEqual([1, 6, 4]);
    // Token (t=1, h=0, w=2): features c0 (h0, h1), c1 (h0, h1).
    expect([...p.data.subarray(5 * 4, 6 * 4)]).toEqual([8, 11, 20, 23]);
    const one = arange([2, 1, 3, 4, 5]);
    expect([...unpatchify(patchify(one, [3, 2, 5]), [1, 2, 1], [3, 2, 5], 1).data]).toEqual([...one.data]);
    // unpatchify reads features as (pt, ph, pw, C): channel is the fastest axis.
    const u = unpatchify(tensor([1, 1, 4], [1, 2, 3, 4]), [1, 1, 1], [1, 1, 2], 2);
    expect([...u.data]).toEqual([1, 3, 2, 4]);
  });

  it('framesToBatch and batchToFrames are inverse', () => {
    const x = arange([2, 3, 4, 1, 2]);
    const b = framesToBatch(x);
    expect(b.shape).toEqual([8, 3, 1, 2]);
    expect(b.data[(1 * 4 + 2) * 6 + 1 * 2 + 1]).toBe(x.data[((1 * 3 + 1) * 4 + 2) * 2 + 1]);
    expect([...batchToFrames(b, 2).data]).toEqual([...x.data]);
  });

  it('adaLN pieces: chunk, modulate, gatedResidual', () => {
    const [a, b] = chunk(tensor([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), 2);
    expect([...a!.data, ...b!.data]).toEqual([1, 2, 5, 6, 3, 4, 7, 8]);
    const x = tensor([1, 2, 2], [1, 1, 2, 2]);
    expect([...modulate(x, tensor([1, 2], [1, 0]), tensor([1, 2], [0.5, -1])).data]).toEqual([2.5, 0, 4, 0]);
    expect([...gatedResidual(x, tensor([1, 2], [2, 0]), tensor([1, 2, 2], [1, 1, 1, 1])).data]).toEqual([
      3, 1, 4, 2,
    ]);
  });

  it('poolPrompt averages non-pad rows and falls back to <null>', () => {
    const table = arange([4, 2]); // rows [0,1] [2,3] [4,5] [6,7]
    const y = poolPrompt(table, [
      Int32Array.from([2, 3, 2, 0]),
      Int32Array.from([0, 0, 0, 0]),
      Int32Array.from([1, 0, 0, 0]),
    ]);
    close(y.data, [(4 + 6 + 4) / 3, (5 + 7 + 5) / 3, 2, 3, 2, 3]);
    expect(() => poolPrompt(table, [Int32Array.from([4])])).toThrow(/outside/);
  });

  it('sincos positions and timestep features', () => {
    close(sincos1d(4, 2), [Math.sin(2), Math.sin(2 / 100), Math.cos(2), Math.cos(2 / 100)]);
    const pos = posEmbed3d(16, [2, 3, 1]);
    expect(pos.shape).toEqual([6, 16]);
    // Token (t=1, h=2, w=0) = row 5: [t part (4) | h part (6) | w part (6)].
    close(pos.data.subarray(5 * 16, 6 * 16), [...sincos1d(4, 1), ...sincos1d(6, 2), ...sincos1d(6, 0)]);
    const te = timestepEmbedding([0, 500], 8);
    close(te.data.subarray(0, 8), [1, 1, 1, 1, 0, 0, 0, 0]);
    expect(te.data[8 + 1]).toBeCloseTo(Math.cos(500 * Math.exp(-Math.log(10000) / 4)), 12);
  });
});
