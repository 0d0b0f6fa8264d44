import { describe, expect, it } from 'vitest';
import { PipelineCache } from '../../src/engine/gpu/pipeline-cache.ts';
import { gelu, geluReference } from '../../src/engine/ops/gelu.ts';
import { assertClose } from '../helpers/allclose.ts';
import { testGpu } from './context.ts';

/** Uniform values in [-6, 6] with a few large outliers, seeded. */
function randomInput(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const x = new Float32Array(count);
  for (let i = 0; i < count; i++) x[i] = (next() - 0.5) * 12;
  for (let k = 0; k < Math.min(5, count); k++) x[Math.floor(next() * count)] = (next() - 0.5) * 2e4;
  return x;
}

describe('gelu kernel', () => {
  // Odd sizes: 1 element, a partial workgroup, one past a workgroup, a large odd count.
  it.each([1, 3, 63, 65, 1000, 4099, 131_071])(
    'matches the float64 reference on %i values',
    async (count) => {
      const { device } = await testGpu();
      const x = randomInput(count, count);
      const y = await gelu(device, new PipelineCache(device), x);
      // f32 tanh on GPUs is accurate to a few ulp; 1e-5 absolute covers values near zero.
      const report = assertClose(`gelu[${count}]`, y, geluReference(x), { atol: 1e-5, rtol: 1e-4 });
      expect(report.ok).toBe(true);
    },
  );

  it('spreads more workgroups than one dimension allows over a 2-D grid', async () => {
    const { device } = await testGpu();
    const count = device.limits.maxComputeWorkgroupsPerDimension * 64 + 129;
    const x = randomInput(count, 7);
    const y = await gelu(device, new PipelineCache(device), x);
    assertClose('gelu[2-D grid]', y, geluReference(x), { atol: 1e-5, rtol: 1e-4 });
  });

  it('refuses buffers smaller than the element count', async () => {
    const { device } = await testGpu();
    await expect(gelu(device, new PipelineCache(device), new Float32Array(0))).rejects.toThrow(/count 0/);
  });
});
