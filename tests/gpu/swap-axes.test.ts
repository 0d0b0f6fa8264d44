import { afterAll, describe, expect, it } from 'vitest';
import { batchToFrames, framesToBatch } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { createSwapAxes, swappedShape } from '../../src/engine/ops/swap-axes.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

describe('swap_axes', () => {
  // A pure copy: the result must be bit-exact, so the comparison is equality.
  it.each([
    [1, 3, 5, 7, 1],
    [2, 4, 3, 5, 7],
    [3, 1, 9, 2, 3],
  ])('turns a clip (%i, %i, %i, %i, %i) into frames and back exactly', async (n, c, t, h, w) => {
    const { ctx } = await opContext();
    const shape = [n, c, t, h, w];
    const values = randomArray(n * c * t * h * w, n + c * 7 + t * 13, {
      scale: 4,
      outliers: 2,
      outlierScale: 1e4,
    });
    const clip = upload(ctx, 'clip', values, shape);
    const frames = empty(ctx, 'frames', swappedShape(shape));
    await run(ctx, () => createSwapAxes(ctx, { x: clip, y: frames }));
    const expected = framesToBatch(tensor(shape, values)).data; // (N*T, C, H, W)
    expect(Array.from(await download(ctx, frames))).toEqual(Array.from(expected, Math.fround));

    const back = empty(ctx, 'back', shape);
    await run(ctx, () => createSwapAxes(ctx, { x: frames, y: back }));
    const again = batchToFrames(tensor([n * t, c, h, w], expected), n).data;
    expect(Array.from(await download(ctx, back))).toEqual(Array.from(again, Math.fround));
  });

  it('refuses an output of the wrong shape, naming both', async () => {
    const { ctx } = await opContext();
    const x = empty(ctx, 'x', [1, 2, 3, 4]);
    const y = empty(ctx, 'y', [1, 2, 3, 4]);
    expect(() => createSwapAxes(ctx, { x, y })).toThrow(
      /y has shape \[1, 2, 3, 4\], expected \[1, 3, 2, 4\]/,
    );
  });
});
