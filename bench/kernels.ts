// Per-kernel GPU time, GFLOP/s and GB/s at the shipped model's shapes (dim 128, 128 tokens,
// batch 2 for guidance, 4 heads, MLP 512; latent 4 x 16 x 8 x 8, patch 2x2x2; decoder at
// 16 frames), f32 and (where the adapter has shader-f16) f16.
// Usage: npx tsx bench/kernels.ts   -> prints a table, writes bench/results/kernels.json
// Times come from GPU timestamps (timestamp-query), one warm-up round excluded; without
// timestamps it falls back to wall time around submit + onSubmittedWorkDone.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';

register('./wgsl-loader.mjs', import.meta.url);

const { create, globals } = await import('webgpu');
const { acquireGpu } = await import('../src/engine/gpu/device.ts');
const { PipelineCache } = await import('../src/engine/gpu/pipeline-cache.ts');
const { GpuProfiler } = await import('../src/engine/gpu/profiler.ts');
const { tensor, tensorBytes } = await import('../src/engine/ops/kernel.ts');
const { createMatmul } = await import('../src/engine/ops/matmul.ts');
const { createLayerNormModulate } = await import('../src/engine/ops/layernorm-modulate.ts');
const { createAttention } = await import('../src/engine/ops/attention.ts');
const { createSilu } = await import('../src/engine/ops/silu.ts');
const { createPatchify } = await import('../src/engine/ops/patchify.ts');
const { createEulerStep } = await import('../src/engine/ops/euler-step.ts');
const { createConv2d } = await import('../src/engine/ops/conv2d.ts');
const { createGroupNorm } = await import('../src/engine/ops/group-norm.ts');
const { createUpsampleNearest2x } = await import('../src/engine/ops/upsample-nearest2x.ts');
const { createToRgba8 } = await import('../src/engine/ops/to-rgba8.ts');
type Dtype = import('../src/engine/ops/kernel.ts').Dtype;
type Kernel = import('../src/engine/ops/kernel.ts').Kernel;
type Tensor = import('../src/engine/ops/kernel.ts').Tensor;

const DRIVERS = ['/usr/share/vulkan/icd.d/lvp_icd.json', '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json'];
if (!process.env.VK_ICD_FILENAMES) {
  const driver = DRIVERS.find((path) => existsSync(path));
  if (driver) process.env.VK_ICD_FILENAMES = driver;
}
Object.assign(globalThis, globals);
const dawn = create([]);
(globalThis as { benchDawn?: GPU }).benchDawn = dawn; // Dawn crashes if collected while a device lives
const gpu = await acquireGpu(dawn);
const { device } = gpu;
const ctx = { device, pipelines: new PipelineCache(device) };

const REPEATS = 20;
const [B, L, D, HEADS, MLP] = [2, 128, 128, 4, 512];
const buffers: GPUBuffer[] = [];

function make(shape: number[], dtype: Dtype): Tensor {
  const buffer = device.createBuffer({
    label: `bench:[${shape}]`,
    size: Math.max(16, Math.ceil(tensorBytes(shape, dtype) / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  buffers.push(buffer);
  return tensor(buffer, shape, dtype);
}

interface Case {
  name: string;
  flops: number;
  bytes: number;
  build: (dtype: Dtype) => Kernel;
  f16?: boolean;
}

const el = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const linearCase = (
  name: string,
  m: number,
  k: number,
  n: number,
  epilogue: 'bias' | 'bias_gelu' | 'bias_gated_residual',
): Case => ({
  name,
  flops: 2 * m * n * k,
  bytes: (m * k + n * k + n + m * n * (epilogue === 'bias_gated_residual' ? 2 : 1)) * 4,
  f16: true,
  build: (dtype) =>
    createMatmul(ctx, {
      x: make([m, k], dtype),
      w: make([n, k], dtype),
      bias: make([n], dtype),
      y: make([m, n], dtype),
      gate:
        epilogue === 'bias_gated_residual' ? { tensor: make([B, 6 * n], dtype), column: 2 * n } : undefined,
      tokensPerItem: L,
      epilogue,
    }),
});

const CASES: Case[] = [
  linearCase('adaLN_modulation (2x128 -> 768)', B, D, 6 * D, 'bias'),
  linearCase('attn.qkv (256x128 -> 384)', B * L, D, 3 * D, 'bias'),
  linearCase('attn.proj + gate (256x128 -> 128)', B * L, D, D, 'bias_gated_residual'),
  linearCase('mlp.fc1 + gelu (256x128 -> 512)', B * L, D, MLP, 'bias_gelu'),
  linearCase('mlp.fc2 + gate (256x512 -> 128)', B * L, MLP, D, 'bias_gated_residual'),
  {
    name: 'layernorm_modulate (2x128x128)',
    flops: 8 * B * L * D,
    bytes: 2 * B * L * D * 4,
    f16: true,
    build: (dtype) => {
      const mod = make([B, 6 * D], dtype);
      return createLayerNormModulate(ctx, {
        x: make([B, L, D], dtype),
        shift: { tensor: mod, column: 0 },
        scale: { tensor: mod, column: D },
        y: make([B, L, D], dtype),
      });
    },
  },
  {
    name: 'attention (2x128, 4 heads x 32)',
    flops: 4 * B * HEADS * L * L * (D / HEADS),
    bytes: (B * L * 3 * D + B * L * D) * 4,
    f16: true,
    build: (dtype) =>
      createAttention(ctx, { qkv: make([B, L, 3 * D], dtype), out: make([B, L, D], dtype), heads: HEADS }),
  },
  {
    name: 'silu (2x128)',
    flops: 4 * B * D,
    bytes: 2 * B * D * 4,
    build: (dtype) => createSilu(ctx, { x: make([B, D], dtype), y: make([B, D], dtype) }),
  },
  {
    name: 'patchify (2x4x16x8x8, 2x2x2)',
    flops: 0,
    bytes: 2 * el([2, 4, 16, 8, 8]) * 4,
    build: (dtype) =>
      createPatchify(ctx, {
        x: make([2, 4, 16, 8, 8], dtype),
        y: make([2, 128, 32], dtype),
        patch: [2, 2, 2],
      }),
  },
  {
    name: 'euler_step cfg (2x4x16x8x8)',
    flops: 5 * el([1, 4, 16, 8, 8]),
    bytes: 4 * el([2, 4, 16, 8, 8]) * 4,
    build: (dtype) =>
      createEulerStep(ctx, {
        x: make([2, 4, 16, 8, 8], dtype),
        v: make([2, 4, 16, 8, 8], dtype),
        cfg: true,
        guidance: 2,
        t: 1,
        tNext: 0.75,
      }),
  },
  {
    name: 'conv2d 3x3 (16x32x16x16 -> 32)',
    flops: 2 * 16 * 32 * 16 * 16 * 32 * 9,
    bytes: (2 * 16 * 32 * 16 * 16 + 32 * 32 * 9) * 4,
    build: (dtype) =>
      createConv2d(ctx, {
        x: make([16, 32, 16, 16], dtype),
        weight: make([32, 32, 3, 3], dtype),
        bias: make([32], dtype),
        y: make([16, 32, 16, 16], dtype),
        stride: 1,
      }),
  },
  {
    name: 'group_norm+silu (16x32x16x16, 8 groups)',
    flops: 12 * el([16, 32, 16, 16]),
    bytes: 2 * el([16, 32, 16, 16]) * 4,
    build: (dtype) =>
      createGroupNorm(ctx, {
        x: make([16, 32, 16, 16], dtype),
        gamma: make([32], dtype),
        beta: make([32], dtype),
        y: make([16, 32, 16, 16], dtype),
        groups: 8,
        silu: true,
      }),
  },
  {
    name: 'upsample_nearest2x (16x32x16x16)',
    flops: 0,
    bytes: 5 * el([16, 32, 16, 16]) * 4,
    build: (dtype) =>
      createUpsampleNearest2x(ctx, { x: make([16, 32, 16, 16], dtype), y: make([16, 32, 32, 32], dtype) }),
  },
  {
    name: 'to_rgba8 (3x16x32x32)',
    flops: 0,
    bytes: 4 * el([16, 32, 32]) * 4,
    build: (dtype) => {
      const rgba = device.createBuffer({
        label: 'bench:rgba',
        size: el([16, 32, 32]) * 4,
        usage: GPUBufferUsage.STORAGE,
      });
      buffers.push(rgba);
      return createToRgba8(ctx, { x: make([3, 16, 32, 32], dtype), rgba });
    },
  },
];

/** Median microseconds per dispatch over REPEATS passes (after one warm-up round). */
async function time(kernel: Kernel): Promise<number> {
  const profiler = new GpuProfiler(device, { maxPasses: REPEATS });
  const durations: number[] = [];
  for (let round = 0; round < 2; round++) {
    const encoder = device.createCommandEncoder();
    const started = performance.now();
    for (let i = 0; i < REPEATS; i++) kernel.encode(encoder, profiler);
    profiler.resolve(encoder);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const wallUs = ((performance.now() - started) * 1000) / REPEATS;
    const profile = await profiler.read();
    if (round === 0) continue;
    if (profile.passes.length) durations.push(...profile.passes.map((p) => p.durationNs / 1000));
    else durations.push(wallUs);
  }
  profiler.destroy();
  durations.sort((a, b) => a - b);
  return durations[Math.floor(durations.length / 2)]!;
}

interface Row {
  kernel: string;
  dtype: Dtype;
  microseconds: number;
  gflopPerSecond: number;
  gbPerSecond: number;
}

const rows: Row[] = [];
const dtypes: Dtype[] = device.features.has('shader-f16') ? ['f32', 'f16'] : ['f32'];
for (const c of CASES) {
  for (const dtype of dtypes) {
    if (dtype === 'f16' && !c.f16) continue;
    const kernel = c.build(dtype);
    const us = await time(kernel);
    kernel.destroy();
    const bytes = dtype === 'f16' ? c.bytes / 2 : c.bytes;
    rows.push({
      kernel: c.name,
      dtype,
      microseconds: Number(us.toFixed(2)),
      gflopPerSecond: Number((c.flops / us / 1e3).toFixed(3)),
      gbPerSecond: Number((bytes / us / 1e3).toFixed(3)),
    });
  }
}

const adapter = [gpu.report.vendor, gpu.report.architecture, gpu.report.description]
  .filter(Boolean)
  .join(' / ');
const timing = device.features.has('timestamp-query') ? 'GPU timestamps' : 'wall clock';
console.log(`Kernels at the shipped model's shapes on ${adapter} (${timing}, median of ${REPEATS})\n`);
const header = ['kernel', 'dtype', 'us', 'GFLOP/s', 'GB/s'];
const table = rows.map((r) => [
  r.kernel,
  r.dtype,
  r.microseconds.toFixed(1),
  r.gflopPerSecond.toFixed(2),
  r.gbPerSecond.toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
console.log(line(header));
for (const row of table) console.log(line(row));

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/kernels.json', import.meta.url),
  JSON.stringify({ adapter, timing, repeats: REPEATS, date: new Date().toISOString(), rows }, null, 2) + '\n',
);

for (const buffer of buffers) buffer.destroy();
device.destroy();
