import { afterAll, describe, expect, it } from 'vitest';
import { GpuProfiler } from '../../src/engine/gpu/profiler.ts';
import { createSilu } from '../../src/engine/ops/silu.ts';
import { createAdd } from '../../src/engine/ops/add.ts';
import { empty, opContext, releaseAll } from './harness.ts';

afterAll(releaseAll);

describe('GpuProfiler', () => {
  it('times every pass and totals per kernel where timestamp-query exists', async () => {
    const { ctx } = await opContext();
    const profiler = new GpuProfiler(ctx.device, { maxPasses: 4 });
    expect(profiler.enabled).toBe(ctx.device.features.has('timestamp-query'));
    const x = empty(ctx, 'x', [64, 65]);
    const y = empty(ctx, 'y', [64, 65]);
    const kernels = [
      createSilu(ctx, { x, y, name: 'first' }),
      createAdd(ctx, { y, b: x, name: 'second' }),
      createSilu(ctx, { x: y, y: x, name: 'third' }),
    ];
    const encoder = ctx.device.createCommandEncoder();
    for (const k of [...kernels, ...kernels]) k.encode(encoder, profiler); // 6 passes, room for 4
    profiler.resolve(encoder);
    ctx.device.queue.submit([encoder.finish()]);
    const profile = await profiler.read();
    for (const k of kernels) k.destroy();

    if (!profiler.enabled) {
      expect(profile.passes).toEqual([]);
      return;
    }
    expect(profile.passes.map((p) => p.label)).toEqual([
      'silu:f32 first',
      'add:f32 second',
      'silu:f32 third',
      'silu:f32 first',
    ]);
    expect(profile.untimed).toBe(2);
    let previousEnd = 0;
    for (const p of profile.passes) {
      expect(p.endNs).toBeGreaterThanOrEqual(p.beginNs);
      expect(p.beginNs).toBeGreaterThanOrEqual(previousEnd); // one queue, passes in order
      previousEnd = p.endNs;
    }
    expect(previousEnd).toBeGreaterThan(0);
    const silu = profile.totals.find((t) => t.kernel === 'silu:f32')!;
    expect(silu.passes).toBe(3);
    expect(profile.totals.find((t) => t.kernel === 'add:f32')!.passes).toBe(1);

    // A second round starts empty.
    const again = await profiler.read();
    expect(again.passes).toEqual([]);
    profiler.destroy();
  });
});
