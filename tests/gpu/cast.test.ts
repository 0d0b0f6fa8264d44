import { afterAll, describe, expect, it } from 'vitest';
import { createCast } from '../../src/engine/ops/cast.ts';
import { download, empty, opContext, randomArray, releaseAll, roundTo, run, upload } from './harness.ts';

afterAll(releaseAll);

describe('cast', () => {
  // Conversion is exact up to IEEE round-to-nearest-even, so results must equal the host's.
  it.each([1, 67, 1001])('rounds f32 to f16 and widens back exactly (%i values)', async (count) => {
    const { ctx, hasF16 } = await opContext();
    if (!hasF16) return console.info('skipped: the adapter has no shader-f16');
    const values = randomArray(count, count, { scale: 100, outliers: 2, outlierScale: 6e4 });
    const x = upload(ctx, 'x', values, [count]);
    const half = empty(ctx, 'half', [count], 'f16');
    const back = empty(ctx, 'back', [count]);
    await run(ctx, () => [createCast(ctx, { x, y: half }), createCast(ctx, { x: half, y: back })]);
    const expected = Array.from(roundTo(values, 'f16'));
    expect(Array.from(await download(ctx, half))).toEqual(expected);
    expect(Array.from(await download(ctx, back))).toEqual(expected);
  });

  it('refuses a cast to the same type', async () => {
    const { ctx } = await opContext();
    const x = empty(ctx, 'x', [3]);
    expect(() => createCast(ctx, { x, y: empty(ctx, 'y', [3]) })).toThrow(/both f32/);
  });
});
