import { afterAll, describe, expect, it } from 'vitest';
import { withContextChannels } from '../../src/engine/model/reference/sampler.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import {
  contextChannelsShape,
  createContextChannels,
  createReplaceContext,
} from '../../src/engine/ops/replace-context.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

// Copies: exact (a 1e-30 atol only keeps the ratio |a-b| / atol defined).
const EXACT = { atol: 1e-30, rtol: 0 };

describe('context frames', () => {
  it('context_channels builds [x, context * mask, mask] as the reference', async () => {
    const { ctx } = await opContext();
    const shape = [3, 2, 5, 3, 7];
    const n = shape.reduce((a, b) => a * b);
    const xs = randomArray(n, 1);
    const cs = randomArray(n, 2);
    const x = upload(ctx, 'x', xs, shape);
    const context = upload(ctx, 'context', cs, shape);
    const y = empty(ctx, 'input', contextChannelsShape(shape));
    await run(ctx, () => createContextChannels(ctx, { x, context, y, given: 2 }));
    const expected = withContextChannels(tensor(shape, xs), tensor(shape, cs), 2);
    expect(assertClose('context_channels', await download(ctx, y), expected.data, EXACT).ok).toBe(true);
  });

  it('context_channels maps a [cond, uncond] batch onto the same context samples', async () => {
    const { ctx } = await opContext();
    const shape = [2, 1, 3, 2, 3];
    const n = shape.reduce((a, b) => a * b);
    const xs = randomArray(2 * n, 3);
    const cs = randomArray(n, 4);
    const x = upload(ctx, 'x', xs, [4, 1, 3, 2, 3]);
    const context = upload(ctx, 'context', cs, shape);
    const y = empty(ctx, 'input', [4, 3, 3, 2, 3]);
    await run(ctx, () => createContextChannels(ctx, { x, context, y, given: 1 }));
    const cond = withContextChannels(tensor(shape, xs.subarray(0, n)), tensor(shape, cs), 1);
    const uncond = withContextChannels(tensor(shape, xs.subarray(n)), tensor(shape, cs), 1);
    const expected = new Float64Array(2 * cond.data.length);
    expected.set(cond.data);
    expected.set(uncond.data, cond.data.length);
    expect(assertClose('context_channels cfg', await download(ctx, y), expected, EXACT).ok).toBe(true);
  });

  it('replace_context copies the first given frames of every item', async () => {
    const { ctx } = await opContext();
    const shape = [4, 3, 5, 2, 3];
    const ctxShape = [2, 3, 5, 2, 3];
    const xs = randomArray(
      shape.reduce((a, b) => a * b),
      5,
    );
    const cs = randomArray(
      ctxShape.reduce((a, b) => a * b),
      6,
    );
    const x = upload(ctx, 'x', xs, shape);
    const context = upload(ctx, 'context', cs, ctxShape);
    await run(ctx, () => createReplaceContext(ctx, { x, context, given: 2 }));
    const expected = Float64Array.from(xs);
    const frame = 6;
    const clip = 3 * 5 * frame;
    for (let b = 0; b < 4; b++)
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < 2 * frame; i++) {
          expected[b * clip + c * 5 * frame + i] = cs[(b % 2) * clip + c * 5 * frame + i]!;
        }
    expect(assertClose('replace_context', await download(ctx, x), expected, EXACT).ok).toBe(true);
  });
});
