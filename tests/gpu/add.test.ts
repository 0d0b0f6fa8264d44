import { afterAll, describe, expect, it } from 'vitest';
import { add } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { createAdd } from '../../src/engine/ops/add.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

describe('add', () => {
  // One f32 rounding of the sum: rtol 1e-7 would do; 1e-6 with a tiny atol for cancellation.
  it.each([
    { y: [3, 5], b: [3, 5] },
    { y: [2, 33, 7], b: [33, 7] },
    { y: [3, 1, 9], b: [9] },
  ])('y $y += b $b', async ({ y: yShape, b: bShape }) => {
    const { ctx } = await opContext();
    const ys = randomArray(
      yShape.reduce((a, b) => a * b),
      1,
      { outliers: 1 },
    );
    const bs = randomArray(
      bShape.reduce((a, b) => a * b),
      2,
    );
    const y = upload(ctx, 'y', ys, yShape);
    const b = upload(ctx, 'b', bs, bShape);
    await run(ctx, () => createAdd(ctx, { y, b }));
    const expected = add(tensor(yShape, ys), tensor(bShape, bs));
    const report = assertClose(`add ${yShape}`, await download(ctx, y), expected.data, {
      atol: 1e-7,
      rtol: 1e-6,
    });
    expect(report.ok).toBe(true);
  });

  it('rejects b that is not a suffix of y', async () => {
    const { ctx } = await opContext();
    const y = upload(ctx, 'y', new Float32Array(6), [2, 3]);
    const b = upload(ctx, 'b', new Float32Array(2), [2]);
    expect(() => createAdd(ctx, { y, b })).toThrow(/trailing dims/);
  });
});
