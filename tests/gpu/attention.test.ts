import { afterAll, describe, expect, it } from 'vitest';
import { createAttention } from '../../src/engine/ops/attention.ts';
import type { Dtype } from '../../src/engine/ops/kernel.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, roundTo, run, upload } from './harness.ts';
import * as ref from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';

afterAll(releaseAll);

// The output is a convex combination of v rows (|v| <= ~3 with outliers). f32: scores are
// f32 dot products of <= 128 terms and exp is accurate to a few ulp, so weights are off by
// ~1e-6 relative (measured <= 5e-7); atol/rtol 1e-5. f16: q, k, v are pre-rounded for the
// reference and the math is f32, so only the output's f16 rounding (2^-11 relative) remains.
const TOLERANCE: Record<Dtype, { atol: number; rtol: number }> = {
  f32: { atol: 1e-5, rtol: 1e-5 },
  f16: { atol: 1e-3, rtol: 1e-3 },
};

interface Case {
  b: number;
  l: number;
  heads: number;
  hd: number;
}

async function check({ b, l, heads, hd }: Case, dtype: Dtype) {
  const { ctx } = await opContext();
  const d = heads * hd;
  // Scale 1.5 with outliers of ~8: some scores reach ~50, so the softmax is peaked and the
  // running max must rescale correctly.
  const qkvs = roundTo(
    randomArray(b * l * 3 * d, b * 31 + l * 7 + hd, { scale: 1.5, outliers: 6, outlierScale: 8 }),
    dtype,
  );
  const qkv = upload(ctx, 'qkv', qkvs, [b, l, 3 * d], dtype);
  const out = empty(ctx, 'out', [b, l, d], dtype);
  await run(ctx, () => createAttention(ctx, { qkv, out, heads }));
  const got = await download(ctx, out);
  return assertClose(
    `attention:${dtype} b${b} l${l} h${heads} hd${hd}`,
    got,
    ref.attention(tensor([b, l, 3 * d], qkvs), heads).data,
    TOLERANCE[dtype],
  );
}

const CASES: Case[] = [
  { b: 1, l: 1, heads: 1, hd: 1 },
  { b: 2, l: 7, heads: 3, hd: 5 },
  // More keys than one tile (64 keys at hd <= 32) and more queries than one workgroup.
  { b: 2, l: 131, heads: 2, hd: 24 },
  { b: 1, l: 70, heads: 1, hd: 128 },
  // A long sequence: 16 key tiles, 16 query workgroups per head.
  { b: 1, l: 1000, heads: 2, hd: 16 },
];

describe('attention', () => {
  it.each(CASES)('f32 b$b l$l heads$heads hd$hd', async (c) => {
    const report = await check(c, 'f32');
    console.info(
      `attention:f32 ${JSON.stringify(c)} max|err| ${report.maxAbsError.toExponential(2)} ratio ${report.worstRatio.toFixed(3)}`,
    );
    expect(report.ok).toBe(true);
  });

  it.each(CASES)('f16 b$b l$l heads$heads hd$hd', async (c) => {
    const { hasF16 } = await opContext();
    if (!hasF16) return;
    const report = await check(c, 'f16');
    console.info(
      `attention:f16 ${JSON.stringify(c)} max|err| ${report.maxAbsError.toExponential(2)} ratio ${report.worstRatio.toFixed(3)}`,
    );
    expect(report.ok).toBe(true);
  });

  it('rejects a qkv width that is not 3 * heads * head_dim', async () => {
    const { ctx } = await opContext();
    const qkv = empty(ctx, 'qkv', [1, 4, 30]);
    const out = empty(ctx, 'out', [1, 4, 10]);
    expect(() => createAttention(ctx, { qkv, out, heads: 4 })).toThrow(/not 3 \* heads/);
  });
});
