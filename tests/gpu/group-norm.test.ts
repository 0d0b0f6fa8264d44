import { afterAll, describe, expect, it } from 'vitest';
import { groupNorm, silu } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { createGroupNorm } from '../../src/engine/ops/group-norm.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

// f32 two-pass statistics over <= 500 values (tree sums): ~1e-6 relative on the normalised
// value, times |gamma| <= 1.5; atol/rtol 1e-4.
const TOL = { atol: 1e-4, rtol: 1e-4 };

describe('group_norm', () => {
  it.each([
    { b: 1, c: 1, h: 1, w: 1, groups: 1, silu: false },
    { b: 2, c: 6, h: 5, w: 7, groups: 3, silu: true },
    { b: 3, c: 8, h: 9, w: 11, groups: 2, silu: false },
    { b: 1, c: 5, h: 3, w: 3, groups: 5, silu: true },
  ])('b$b c$c $h x $w groups $groups silu $silu', async ({ b, c, h, w, groups, silu: fuse }) => {
    const { ctx } = await opContext();
    const shape = [b, c, h, w];
    const xs = randomArray(b * c * h * w, c * 100 + h, { scale: 3, outliers: 3, outlierScale: 40 }).map(
      (v) => v + 5,
    );
    const gs = randomArray(c, 1, { scale: 1.5 });
    const bs = randomArray(c, 2);
    const x = upload(ctx, 'x', xs, shape);
    const gamma = upload(ctx, 'gamma', gs, [c]);
    const beta = upload(ctx, 'beta', bs, [c]);
    const y = empty(ctx, 'y', shape);
    await run(ctx, () => createGroupNorm(ctx, { x, gamma, beta, y, groups, silu: fuse }));
    let expected = groupNorm(tensor(shape, xs), groups, tensor([c], gs), tensor([c], bs), 1e-5);
    if (fuse) expected = silu(expected);
    const report = assertClose(`group_norm`, await download(ctx, y), expected.data, TOL);
    console.info(`group_norm:f32 ${shape} g${groups} max|err| ${report.maxAbsError.toExponential(2)}`);
    expect(report.ok).toBe(true);
  });
});
