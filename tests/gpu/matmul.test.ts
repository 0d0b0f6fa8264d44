import { afterAll, describe, expect, it } from 'vitest';
import type { Dtype } from '../../src/engine/ops/kernel.ts';
import { createMatmul, type MatmulEpilogue } from '../../src/engine/ops/matmul.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, roundTo, run, upload } from './harness.ts';
import * as ref from '../../src/engine/model/reference/ops.ts';
import { reshape, tensor } from '../../src/engine/model/reference/tensor.ts';

afterAll(releaseAll);

// Tolerances. f32: each output sums K <= 131 products in f32 (|x| <= 60 with outliers,
// |w| <= 0.5); the rounding error grows like sqrt(K) * 2^-24 * sum|x w| ~ 1e-5, measured at most
// 7.5e-6, so atol/rtol 3e-5; an indexing bug gives O(0.1). f16: inputs are rounded to f16 before
// the reference sees them, so only f16 math counts: 8-term f16 partial sums (2^-11 relative
// each) and the f16 output rounding (2^-11 of |y| <= ~60, i.e. up to 0.016).
const TOLERANCE: Record<Dtype, { atol: number; rtol: number }> = {
  f32: { atol: 3e-5, rtol: 3e-5 },
  f16: { atol: 2e-2, rtol: 4e-3 },
};

interface Case {
  m: number;
  n: number;
  k: number;
  epilogue: MatmulEpilogue;
  items?: number;
}

async function check({ m, n, k, epilogue, items = 1 }: Case, dtype: Dtype) {
  const { ctx } = await opContext();
  const seed = m * 7919 + n * 131 + k;
  const xs = roundTo(randomArray(m * k, seed, { outliers: 3, outlierScale: 40 }), dtype);
  const ws = roundTo(randomArray(n * k, seed + 1, { scale: 0.5 }), dtype);
  const bs = roundTo(randomArray(n, seed + 2), dtype);
  const gateWidth = 3 * n;
  const gs = roundTo(randomArray(items * gateWidth, seed + 3, { scale: 2 }), dtype);
  const residual = roundTo(randomArray(m * n, seed + 4, { scale: 3 }), dtype);

  const x = upload(ctx, 'x', xs, [m, k], dtype);
  const w = upload(ctx, 'w', ws, [n, k], dtype);
  const bias = epilogue === 'none' ? undefined : upload(ctx, 'b', bs, [n], dtype);
  const gated = epilogue === 'bias_gated_residual';
  const y = gated ? upload(ctx, 'y', residual, [m, n], dtype) : empty(ctx, 'y', [m, n], dtype);
  const gate = gated ? { tensor: upload(ctx, 'gate', gs, [items, gateWidth], dtype), column: n } : undefined;
  await run(ctx, () =>
    createMatmul(ctx, { x, w, bias, y, gate, tokensPerItem: gated ? m / items : undefined, epilogue }),
  );
  const got = await download(ctx, y);

  let expected = ref.linear(
    tensor([m, k], xs),
    tensor([n, k], ws),
    epilogue === 'none' ? null : tensor([n], bs),
  );
  if (epilogue === 'bias_gelu') expected = ref.gelu(expected);
  if (gated) {
    const l = m / items;
    const gateRows = ref.chunk(tensor([items, gateWidth], gs), 3)[1]!;
    const shape = [items, l, n];
    expected = ref.gatedResidual(tensor(shape, residual), gateRows, reshape(expected, shape));
  }
  return assertClose(`matmul:${dtype}:${epilogue} ${m}x${n}x${k}`, got, expected.data, TOLERANCE[dtype]);
}

const CASES: Case[] = [
  { m: 1, n: 1, k: 1, epilogue: 'bias' },
  { m: 5, n: 3, k: 7, epilogue: 'none' },
  { m: 33, n: 31, k: 17, epilogue: 'bias' },
  { m: 37, n: 29, k: 131, epilogue: 'bias_gelu' },
  { m: 66, n: 45, k: 23, epilogue: 'bias_gated_residual', items: 2 },
  { m: 99, n: 97, k: 61, epilogue: 'bias_gated_residual', items: 3 },
  { m: 130, n: 67, k: 129, epilogue: 'none' },
];

describe('matmul', () => {
  it.each(CASES)('f32 $m x $n x $k $epilogue', async (c) => {
    const report = await check(c, 'f32');
    console.info(
      `matmul:f32:${c.epilogue} ${c.m}x${c.n}x${c.k} max|err| ${report.maxAbsError.toExponential(2)} ratio ${report.worstRatio.toFixed(3)}`,
    );
    expect(report.ok).toBe(true);
  });

  // The f16 pipelines differ only in T; two epilogues cover bias, GELU and the gated residual.
  it.each(CASES.filter((c) => c.epilogue === 'bias_gelu' || c.epilogue === 'bias_gated_residual'))(
    'f16 $m x $n x $k $epilogue',
    async (c) => {
      const { hasF16 } = await opContext();
      if (!hasF16) return;
      const report = await check(c, 'f16');
      console.info(
        `matmul:f16:${c.epilogue} ${c.m}x${c.n}x${c.k} max|err| ${report.maxAbsError.toExponential(2)} ratio ${report.worstRatio.toFixed(3)}`,
      );
      expect(report.ok).toBe(true);
    },
  );

  it('rejects mismatched shapes and missing operands before touching the GPU', async () => {
    const { ctx } = await opContext();
    const x = empty(ctx, 'x', [4, 5]);
    const w = empty(ctx, 'w', [3, 6]);
    const y = empty(ctx, 'y', [4, 3]);
    expect(() => createMatmul(ctx, { x, w, y, epilogue: 'none' })).toThrow(
      /w has shape \[3, 6\], expected \[3, 5\]/,
    );
    const w5 = empty(ctx, 'w', [3, 5]);
    expect(() => createMatmul(ctx, { x, w: w5, y, epilogue: 'bias' })).toThrow(/needs bias/);
    const bias = empty(ctx, 'b', [3]);
    expect(() => createMatmul(ctx, { x, w: w5, bias, y, epilogue: 'bias_gated_residual' })).toThrow(
      /needs gate/,
    );
  });
});
