// Host <-> GPU helpers for kernel tests: seeded random inputs, upload as f32 or f16, run one
// kernel, read back as f32.
import { PipelineCache } from '../../src/engine/gpu/pipeline-cache.ts';
import {
  numel,
  tensor,
  type Dtype,
  type Kernel,
  type OpContext,
  type Tensor,
} from '../../src/engine/ops/kernel.ts';
import { testGpu } from './context.ts';

let shared: { ctx: OpContext; hasF16: boolean } | null = null;

/** The shared device and one pipeline cache for all kernel tests. */
export async function opContext(): Promise<{ ctx: OpContext; hasF16: boolean }> {
  if (!shared) {
    const { device } = await testGpu();
    shared = {
      ctx: { device, pipelines: new PipelineCache(device) },
      hasF16: device.features.has('shader-f16'),
    };
  }
  return shared;
}

/** Seeded uniform generator in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Uniform in [-scale, scale], with `outliers` entries set to +-outlierScale. */
export function randomArray(
  count: number,
  seed: number,
  {
    scale = 1,
    outliers = 0,
    outlierScale = 30,
  }: { scale?: number; outliers?: number; outlierScale?: number } = {},
): Float32Array {
  const next = rng(seed);
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = (next() * 2 - 1) * scale;
  for (let k = 0; k < outliers; k++) {
    a[Math.floor(next() * count)] = (next() < 0.5 ? -1 : 1) * outlierScale * (0.5 + next());
  }
  return a;
}

// IEEE half conversion (round to nearest even), for f16 uploads and readbacks.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The values as the GPU will see them after storing in `dtype` (f16 rounds). */
export function roundTo(values: Float32Array, dtype: Dtype): Float32Array {
  if (dtype === 'f32') return values;
  return values.map((v) => fromHalfBits(toHalfBits(v)));
}

const buffers: GPUBuffer[] = [];

/** A storage tensor holding `data` in `dtype` (destroyed by `releaseAll`). */
export function upload(
  ctx: OpContext,
  label: string,
  data: Float32Array,
  shape: number[],
  dtype: Dtype = 'f32',
): Tensor {
  if (numel(shape) !== data.length) throw new Error(`${label}: ${data.length} values for [${shape}]`);
  const bytes = dtype === 'f32' ? new Float32Array(data) : Uint16Array.from(data, toHalfBits);
  const buffer = ctx.device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bytes.byteLength / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  const padded = new Uint8Array(buffer.size);
  padded.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  ctx.device.queue.writeBuffer(buffer, 0, padded);
  buffers.push(buffer);
  return tensor(buffer, shape, dtype);
}

export function empty(ctx: OpContext, label: string, shape: number[], dtype: Dtype = 'f32'): Tensor {
  return upload(ctx, label, new Float32Array(numel(shape)), shape, dtype);
}

async function readBytes(ctx: OpContext, source: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const size = Math.ceil(bytes / 4) * 4;
  const staging = ctx.device.createBuffer({
    label: `readback:${source.label}`,
    size,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = ctx.device.createCommandEncoder({ label: 'readback' });
  encoder.copyBufferToBuffer(source, 0, staging, 0, size);
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return data;
}

/** The tensor's values as f32 (f16 widened exactly). */
export async function download(ctx: OpContext, t: Tensor): Promise<Float32Array> {
  const count = numel(t.shape);
  const data = await readBytes(ctx, t.buffer, count * (t.dtype === 'f32' ? 4 : 2));
  if (t.dtype === 'f32') return new Float32Array(data);
  return Float32Array.from(new Uint16Array(data), fromHalfBits);
}

export async function downloadU32(ctx: OpContext, buffer: GPUBuffer, count: number): Promise<Uint32Array> {
  return new Uint32Array(await readBytes(ctx, buffer, count * 4));
}

/** Builds the kernels, encodes them in order, submits; any validation error fails the test. */
export async function run(ctx: OpContext, build: () => Kernel | Kernel[]): Promise<void> {
  ctx.device.pushErrorScope('validation');
  let kernels: Kernel[] = [];
  let thrown: unknown = null;
  try {
    const built = build();
    kernels = Array.isArray(built) ? built : [built];
    const encoder = ctx.device.createCommandEncoder({ label: 'test' });
    for (const k of kernels) k.encode(encoder);
    ctx.device.queue.submit([encoder.finish()]);
  } catch (error) {
    thrown = error;
  }
  const error = await ctx.device.popErrorScope();
  for (const k of kernels) k.destroy();
  if (error) throw new Error(`GPU validation: ${error.message}`);
  if (thrown) throw thrown;
}

export function releaseAll(): void {
  for (const b of buffers.splice(0)) b.destroy();
}
