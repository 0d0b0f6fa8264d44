import { afterAll, describe, expect, it } from 'vitest';
import { timestepEmbedding } from '../../src/engine/model/reference/embeddings.ts';
import { createTimestepEmbedding } from '../../src/engine/ops/timestep-embedding.ts';
import { assertClose } from '../helpers/allclose.ts';
import { download, empty, opContext, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

describe('timestep_embedding', () => {
  // The argument t * 1000 * f_i (up to 1000) is formed with two f32 roundings, ~1.2e-4 of
  // absolute error, which cos/sin pass on; atol 3e-4 bounds that. The frequency table is f64-exact.
  it.each([
    { t: [0, 0.5, 1], dim: 256 },
    { t: [0.0137, 0.999, 0.25, 0.71, 0.3333], dim: 34 },
  ])('dim $dim for $t.length timesteps', async ({ t, dim }) => {
    const { ctx } = await opContext();
    const ts = new Float32Array(t);
    const tt = upload(ctx, 't', ts, [t.length]);
    const y = empty(ctx, 'y', [t.length, dim]);
    await run(ctx, () => createTimestepEmbedding(ctx, { t: tt, y, tScale: 1000 }));
    const expected = timestepEmbedding(
      Array.from(ts, (v) => v * 1000),
      dim,
    );
    const report = assertClose(`timestep_embedding dim ${dim}`, await download(ctx, y), expected.data, {
      atol: 3e-4,
      rtol: 0,
    });
    console.info(`timestep_embedding:f32 dim ${dim} max|err| ${report.maxAbsError.toExponential(2)}`);
    expect(report.ok).toBe(true);
  });
});
