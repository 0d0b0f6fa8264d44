// Every kernel's WGSL compiles in both dtypes (a cheap front-end check: only f32 and a few
// f16 pipelines run in the numeric tests, since CPU drivers take seconds per pipeline).
import { describe, expect, it } from 'vitest';
import { specialize } from '../../src/engine/ops/kernel.ts';
import { opContext } from './harness.ts';

const sources = import.meta.glob('../../shaders/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

describe('shaders', () => {
  const kernels = Object.entries(sources).filter(([, code]) => code.includes('alias T = f32;'));
  it('are all dtype-generic', () => {
    expect(kernels.length).toBeGreaterThanOrEqual(15);
  });

  it.each(kernels)('%s compiles as f32 and f16', async (path, code) => {
    const { ctx, hasF16 } = await opContext();
    for (const dtype of hasF16 ? (['f32', 'f16'] as const) : (['f32'] as const)) {
      const module = ctx.device.createShaderModule({
        label: `${path}:${dtype}`,
        code: specialize(code, dtype),
      });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}: ${m.message}`);
      expect(errors, `${path} (${dtype})`).toEqual([]);
    }
  });
});
