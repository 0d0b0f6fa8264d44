import { afterAll, describe, expect, it } from 'vitest';
import { eulerStep, guide } from '../../src/engine/sampler/schedule.ts';
import { createEulerStep } from '../../src/engine/ops/euler-step.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

// A handful of f32 roundings per element on values of magnitude <= ~20: atol 1e-5, rtol 1e-6.
const TOL = { atol: 1e-5, rtol: 1e-6 };

describe('euler_step', () => {
  it('plain: x += (t_next - t) v, and update() moves to the next step', async () => {
    const { ctx } = await opContext();
    const shape = [1, 3, 5, 7, 9];
    const n = 945;
    const xs = randomArray(n, 1, { scale: 2 });
    const vs = randomArray(n, 2, { scale: 3, outliers: 2 });
    const x = upload(ctx, 'x', xs, shape);
    const v = upload(ctx, 'v', vs, shape);
    await run(ctx, () => createEulerStep(ctx, { x, v, cfg: false, t: 1, tNext: 0.75 }));
    const expected = eulerStep(Float64Array.from(xs), vs, 1, 0.75, new Float64Array(n));
    expect(assertClose('euler plain', await download(ctx, x), expected, TOL).ok).toBe(true);
  });

  it('cfg: v = v_u + g (v_c - v_u) from [cond, uncond], written to both halves', async () => {
    const { ctx } = await opContext();
    const half = 2 * 3 * 4 * 5 * 5; // N = 2 samples per half
    const xHalf = randomArray(half, 3, { scale: 2 });
    const xs = new Float32Array(2 * half);
    xs.set(xHalf);
    xs.set(xHalf, half);
    const vs = randomArray(2 * half, 4, { scale: 3 });
    const shape = [4, 3, 4, 5, 5];
    const x = upload(ctx, 'x', xs, shape);
    const v = upload(ctx, 'v', vs, shape);
    await run(ctx, () => createEulerStep(ctx, { x, v, cfg: true, guidance: 2.5, t: 0.6, tNext: 0.35 }));
    const guided = guide(vs.subarray(0, half), vs.subarray(half), 2.5, new Float64Array(half));
    const next = eulerStep(Float64Array.from(xHalf), guided, 0.6, 0.35, new Float64Array(half));
    const expected = new Float64Array(2 * half);
    expected.set(next);
    expected.set(next, half);
    expect(assertClose('euler cfg', await download(ctx, x), expected, TOL).ok).toBe(true);
  });
});
