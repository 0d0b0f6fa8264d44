import { afterAll, describe, expect, it } from 'vitest';
import { patchify, unpatchify, type Patch } from '../../src/engine/model/reference/ops.ts';
import { tensor } from '../../src/engine/model/reference/tensor.ts';
import { createPatchify, createUnpatchify, tokenShape } from '../../src/engine/ops/patchify.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

// Pure data movement: exact (a 1e-30 atol only keeps the ratio |a-b| / atol defined).
const EXACT = { atol: 1e-30, rtol: 0 };

const CASES: { clip: [number, number, number, number, number]; patch: Patch }[] = [
  { clip: [2, 3, 4, 6, 10], patch: [2, 3, 5] },
  { clip: [1, 5, 3, 7, 9], patch: [1, 7, 3] },
  { clip: [2, 4, 8, 8, 8], patch: [2, 2, 2] },
];

describe('patchify / unpatchify', () => {
  it.each(CASES)('patchify $clip by $patch', async ({ clip, patch }) => {
    const { ctx } = await opContext();
    const xs = randomArray(
      clip.reduce((a, b) => a * b),
      3,
    );
    const x = upload(ctx, 'x', xs, clip);
    const y = empty(ctx, 'tokens', tokenShape(clip, patch));
    await run(ctx, () => createPatchify(ctx, { x, y, patch }));
    const report = assertClose(
      'patchify',
      await download(ctx, y),
      patchify(tensor(clip, xs), patch).data,
      EXACT,
    );
    expect(report.ok).toBe(true);
  });

  it.each(CASES)('unpatchify to $clip by $patch', async ({ clip, patch }) => {
    const { ctx } = await opContext();
    const tokens = tokenShape(clip, patch);
    const xs = randomArray(
      tokens.reduce((a, b) => a * b),
      4,
    );
    const x = upload(ctx, 'tokens', xs, tokens);
    const y = empty(ctx, 'clip', clip);
    await run(ctx, () => createUnpatchify(ctx, { x, y, patch }));
    const grid = [clip[2] / patch[0], clip[3] / patch[1], clip[4] / patch[2]] as const;
    const expected = unpatchify(tensor(tokens, xs), grid, patch, clip[1]);
    const report = assertClose('unpatchify', await download(ctx, y), expected.data, EXACT);
    expect(report.ok).toBe(true);
  });

  it('rejects a clip that is not whole patches', async () => {
    const { ctx } = await opContext();
    const x = empty(ctx, 'x', [1, 1, 3, 4, 4]);
    const y = empty(ctx, 'y', [1, 4, 8]);
    expect(() => createPatchify(ctx, { x, y, patch: [2, 2, 2] })).toThrow(/not whole patches/);
  });
});
