import { afterAll, describe, expect, it } from 'vitest';
import type { Dtype } from '../../src/engine/ops/kernel.ts';
import { createLayerNormModulate } from '../../src/engine/ops/layernorm-modulate.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, roundTo, run, upload } from './harness.ts';
import * as ref from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';

afterAll(releaseAll);

// f32: mean and variance are f32 tree sums of <= 300 terms taken around the row's first
// value, so the normalised value is off by ~1e-6 relative; times (1 + scale) <= 3 plus shift,
// atol/rtol 1e-4 is ~50x the expected error. f16: inputs are pre-rounded for the reference;
// the output's own f16 rounding is 2^-11 relative (|y| <= ~12), so rtol 2e-3 and atol 4e-3.
const TOLERANCE: Record<Dtype, { atol: number; rtol: number }> = {
  f32: { atol: 1e-4, rtol: 1e-4 },
  f16: { atol: 4e-3, rtol: 2e-3 },
};

interface Case {
  b: number;
  l: number;
  d: number;
  /** Added to every x: a large common offset stresses the mean. */
  offset?: number;
}

async function check({ b, l, d, offset = 0 }: Case, dtype: Dtype) {
  const { ctx } = await opContext();
  const seed = b * 1000 + l * 10 + d;
  const xs = roundTo(
    randomArray(b * l * d, seed, { scale: 2, outliers: 4, outlierScale: 50 }).map((v) => v + offset),
    dtype,
  );
  const width = 6 * d;
  const mods = roundTo(randomArray(b * width, seed + 1), dtype);
  const x = upload(ctx, 'x', xs, [b, l, d], dtype);
  const mod = upload(ctx, 'mod', mods, [b, width], dtype);
  const y = empty(ctx, 'y', [b, l, d], dtype);
  // DiT chunk order: shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp; take the mlp pair.
  await run(ctx, () =>
    createLayerNormModulate(ctx, {
      x,
      shift: { tensor: mod, column: 3 * d },
      scale: { tensor: mod, column: 4 * d },
      y,
    }),
  );
  const got = await download(ctx, y);
  const chunks = ref.chunk(tensor([b, width], mods), 6);
  const expected = ref.modulate(ref.layerNorm(tensor([b, l, d], xs), 1e-6), chunks[3]!, chunks[4]!);
  return assertClose(`layernorm_modulate:${dtype} ${b}x${l}x${d}`, got, expected.data, TOLERANCE[dtype]);
}

const CASES: Case[] = [
  { b: 1, l: 1, d: 1 },
  { b: 2, l: 5, d: 7 },
  { b: 3, l: 17, d: 129 },
  { b: 2, l: 9, d: 300, offset: 1000 },
];

describe('layernorm_modulate', () => {
  it.each(CASES)('f32 $b x $l x $d (offset $offset)', async (c) => {
    const report = await check(c, 'f32');
    console.info(
      `layernorm_modulate:f32 ${c.b}x${c.l}x${c.d} max|err| ${report.maxAbsError.toExponential(2)} ratio ${report.worstRatio.toFixed(3)}`,
    );
    expect(report.ok).toBe(true);
  });

  it.each(CASES.filter((c) => !c.offset))('f16 $b x $l x $d', async (c) => {
    const { hasF16 } = await opContext();
    if (!hasF16) return;
    const report = await check(c, 'f16');
    console.info(
      `layernorm_modulate:f16 ${c.b}x${c.l}x${c.d} max|err| ${report.maxAbsError.toExponential(2)} ratio ${report.worstRatio.toFixed(3)}`,
    );
    expect(report.ok).toBe(true);
  });

  it('rejects a modulation slice that runs past its row', async () => {
    const { ctx } = await opContext();
    const x = empty(ctx, 'x', [2, 3, 8]);
    const mod = empty(ctx, 'mod', [2, 16]);
    expect(() =>
      createLayerNormModulate(ctx, {
        x,
        shift: { tensor: mod, column: 0 },
        scale: { tensor: mod, column: 9 },
        y: x,
      }),
    ).toThrow(/scale columns \[9, 17\)/);
  });
});
