import { afterAll, describe, expect, it } from 'vitest';
import { upsampleNearest2x } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { createUpsampleNearest2x, upsampleOutputShape } from '../../src/engine/ops/upsample-nearest2x.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

describe('upsample_nearest2x', () => {
  it.each([
    [1, 1, 1, 1],
    [2, 3, 5, 7],
  ])('(%i, %i, %i, %i)', async (...shape) => {
    const { ctx } = await opContext();
    const xs = randomArray(
      shape.reduce((a, b) => a * b),
      11,
    );
    const x = upload(ctx, 'x', xs, shape);
    const y = empty(ctx, 'y', upsampleOutputShape(shape));
    await run(ctx, () => createUpsampleNearest2x(ctx, { x, y }));
    const expected = upsampleNearest2x(tensor(shape, xs));
    expect(assertClose('upsample', await download(ctx, y), expected.data, { atol: 1e-30, rtol: 0 }).ok).toBe(
      true,
    );
  });
});
