import { afterAll, describe, expect, it } from 'vitest';
import { createToRgba8 } from '../../src/engine/ops/to-rgba8.ts';
import { downloadU32, opContext, randomArray, releaseAll, run, upload } from './harness.ts';

afterAll(releaseAll);

/** round half to even, as torch.round and WGSL round. */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

describe('to_rgba8', () => {
  // The byte formula is evaluated in f32 on both sides (Math.fround), so the match is exact.
  it('packs clamped, rounded bytes frame-major with alpha 255', async () => {
    const { ctx } = await opContext();
    const [t, h, w] = [3, 5, 7];
    const pixels = t * h * w;
    const xs = randomArray(3 * pixels, 9, { scale: 1.2, outliers: 4, outlierScale: 5 });
    xs[0] = -1;
    xs[1] = 1;
    xs[2] = 0; // 127.5: a tie, rounds to 128
    xs[3] = Math.fround(2 / 255 - 1); // exactly 1 after scaling, up to f32 rounding
    const x = upload(ctx, 'clip', xs, [3, t, h, w]);
    const rgba = ctx.device.createBuffer({
      label: 'rgba',
      size: pixels * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    await run(ctx, () => createToRgba8(ctx, { x, rgba }));
    const got = await downloadU32(ctx, rgba, pixels);
    rgba.destroy();
    const byte = (v: number) =>
      roundEven(Math.min(255, Math.max(0, Math.fround(Math.fround(v + 1) * 127.5))));
    let mismatches = 0;
    for (let i = 0; i < pixels; i++) {
      const want =
        (byte(xs[i]!) | (byte(xs[i + pixels]!) << 8) | (byte(xs[i + 2 * pixels]!) << 16) | (255 << 24)) >>> 0;
      if (got[i] !== want) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(got[2]! & 0xff).toBe(128);
  });
});
