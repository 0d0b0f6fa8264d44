import { afterAll, describe, expect, it } from 'vitest';
import { conv2d } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { conv2dOutputShape, createConv2d } from '../../src/engine/ops/conv2d.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

// Each output sums 9 * Cin <= 117 products in f32 (|x| <= 20 with outliers, |w| <= 0.3):
// rounding error ~1e-6; atol/rtol 1e-4.
const TOL = { atol: 1e-4, rtol: 1e-4 };

describe('conv2d 3x3, padding 1', () => {
  it.each([
    { b: 1, cin: 1, h: 1, w: 1, cout: 1, stride: 1 as const },
    { b: 2, cin: 3, h: 7, w: 9, cout: 5, stride: 1 as const },
    { b: 2, cin: 13, h: 9, w: 7, cout: 6, stride: 2 as const },
    { b: 1, cin: 4, h: 8, w: 8, cout: 9, stride: 2 as const },
  ])('b$b cin$cin $h x $w -> cout$cout stride $stride', async ({ b, cin, h, w, cout, stride }) => {
    const { ctx } = await opContext();
    const xs = randomArray(b * cin * h * w, h * 10 + w, { outliers: 2, outlierScale: 20 });
    const ws = randomArray(cout * cin * 9, cout, { scale: 0.3 });
    const bs = randomArray(cout, 7);
    const x = upload(ctx, 'x', xs, [b, cin, h, w]);
    const weight = upload(ctx, 'weight', ws, [cout, cin, 3, 3]);
    const bias = upload(ctx, 'bias', bs, [cout]);
    const y = empty(ctx, 'y', conv2dOutputShape([b, cin, h, w], cout, stride));
    await run(ctx, () => createConv2d(ctx, { x, weight, bias, y, stride }));
    const expected = conv2d(tensor([b, cin, h, w], xs), tensor([cout, cin, 3, 3], ws), tensor([cout], bs), {
      stride,
      padding: 1,
    });
    expect(y.shape).toEqual(expected.shape);
    const report = assertClose(`conv2d s${stride}`, await download(ctx, y), expected.data, TOL);
    console.info(`conv2d:f32 ${cin}->${cout} s${stride} max|err| ${report.maxAbsError.toExponential(2)}`);
    expect(report.ok).toBe(true);
  });
});
