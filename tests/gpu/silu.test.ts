import { afterAll, describe, expect, it } from 'vitest';
import { silu } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { createSilu } from '../../src/engine/ops/silu.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

describe('silu', () => {
  // exp is accurate to a few ulp and the division to 2.5 ulp: ~1e-6 relative; outliers at
  // +-100 check both saturated ends (v and -0).
  it.each([1, 63, 1001, 4099])('matches the reference on %i values', async (count) => {
    const { ctx } = await opContext();
    const xs = randomArray(count, count, { scale: 8, outliers: 3, outlierScale: 100 });
    const x = upload(ctx, 'x', xs, [count]);
    const y = empty(ctx, 'y', [count]);
    await run(ctx, () => createSilu(ctx, { x, y }));
    const report = assertClose(`silu[${count}]`, await download(ctx, y), silu(tensor([count], xs)).data, {
      atol: 1e-6,
      rtol: 1e-5,
    });
    console.info(`silu:f32 [${count}] max|err| ${report.maxAbsError.toExponential(2)}`);
    expect(report.ok).toBe(true);
  });
});
