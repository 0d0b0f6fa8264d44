// What every op shares: tensors (a buffer with a shape and a dtype), the f16 text transform,
// and Kernel, one prepared dispatch (pipeline, bind group, uniform buffer, grid) that is built
// once at model load and encoded into every step's command encoder.

import { LimitTooLowError } from '../errors.ts';
import { dispatchGrid } from '../gpu/dispatch.ts';
import { kernelLabel, type KernelKey, type PipelineCache } from '../gpu/pipeline-cache.ts';
import type { GpuProfiler } from '../gpu/profiler.ts';
import type { UniformFields, UniformStruct, UniformValues } from './uniforms.ts';

export type Dtype = 'f32' | 'f16';

export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { f32: 4, f16: 2 };

export interface OpContext {
  device: GPUDevice;
  pipelines: PipelineCache;
}

/** A GPU buffer read as a dense row-major tensor; the buffer may be larger (pool size classes). */
export interface Tensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
}

/** Columns [column, column + width) of every row of a 2-D tensor; width is fixed by the op. */
export interface ColumnSlice {
  readonly tensor: Tensor;
  readonly column: number;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function tensorBytes(shape: readonly number[], dtype: Dtype): number {
  return numel(shape) * DTYPE_BYTES[dtype];
}

export function tensor(buffer: GPUBuffer, shape: readonly number[], dtype: Dtype = 'f32'): Tensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`${buffer.label}: bad shape [${shape}]`);
  }
  const bytes = tensorBytes(shape, dtype);
  if (buffer.size < bytes) {
    throw new RangeError(`${buffer.label}: ${buffer.size} bytes cannot hold ${dtype}[${shape}] (${bytes})`);
  }
  return { buffer, shape: [...shape], dtype };
}

/** The same buffer read with another shape of the same element count. */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (numel(shape) !== numel(t.shape)) {
    throw new RangeError(`${t.buffer.label}: cannot reshape [${t.shape}] to [${shape}]`);
  }
  return tensor(t.buffer, shape, t.dtype);
}

export class ShapeError extends RangeError {
  override name = 'ShapeError';
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Throws a ShapeError naming the op and the tensor when `t` is not `expected`. */
export function expectShape(op: string, name: string, t: Tensor, expected: readonly number[]): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: ${name} has shape ${fmt(t.shape)}, expected ${fmt(expected)}`);
  }
}

export function expectRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) {
    throw new ShapeError(`${op}: ${name} has shape ${fmt(t.shape)}, expected rank ${rank}`);
  }
}

/** All float tensors of one dispatch share a dtype; returns it. */
export function commonDtype(op: string, tensors: Record<string, Tensor | undefined>): Dtype {
  let dtype: Dtype | undefined;
  for (const [name, t] of Object.entries(tensors)) {
    if (!t) continue;
    dtype ??= t.dtype;
    if (t.dtype !== dtype) throw new TypeError(`${op}: ${name} is ${t.dtype}, the others ${dtype}`);
  }
  if (!dtype) throw new TypeError(`${op}: no tensors`);
  return dtype;
}

/** Checks a column slice of width `width` against rows `rows`; returns [offset, rowStride] in elements. */
export function sliceLayout(op: string, name: string, s: ColumnSlice, rows: number, width: number) {
  expectRank(op, name, s.tensor, 2);
  const [sliceRows, stride] = s.tensor.shape as [number, number];
  if (sliceRows !== rows || !Number.isInteger(s.column) || s.column < 0 || s.column + width > stride) {
    throw new ShapeError(
      `${op}: ${name} columns [${s.column}, ${s.column + width}) of ${fmt(s.tensor.shape)} ` +
        `do not fit ${rows} rows of width ${width}`,
    );
  }
  return { offset: s.column, stride };
}

const F32_ALIAS = 'alias T = f32;';

/**
 * The one place dtype changes shader text: kernels declare `alias T = f32;` for storage and
 * element math and convert with T(...); the f16 variant enables f16 and retypes T.
 */
export function specialize(source: string, dtype: Dtype): string {
  if (!source.includes(F32_ALIAS)) throw new Error(`kernel source lacks "${F32_ALIAS}"`);
  if (dtype === 'f32') return source;
  return `enable f16;\n${source.replace(F32_ALIAS, 'alias T = f16;')}`;
}

export function requireDtype(device: GPUDevice, op: string, dtype: Dtype): void {
  if (dtype === 'f16' && !device.features.has('shader-f16')) {
    throw new TypeError(`${op}: f16 tensors need the shader-f16 feature, which this device lacks`);
  }
}

const placeholders = new WeakMap<GPUDevice, GPUBuffer>();

/** A 16-byte storage buffer bound where a variant does not read a binding (layout is shared). */
export function unusedBinding(device: GPUDevice): GPUBuffer {
  let buffer = placeholders.get(device);
  if (!buffer) {
    buffer = device.createBuffer({ label: 'unused-binding', size: 16, usage: GPUBufferUsage.STORAGE });
    placeholders.set(device, buffer);
  }
  return buffer;
}

/** Workgroups for one invocation per element, spread over x and y; `groupsX` folds y back in. */
export function elementwiseGrid(device: GPUDevice, count: number, workgroupSize: number): [number, number] {
  return dispatchGrid(Math.ceil(count / workgroupSize), device.limits.maxComputeWorkgroupsPerDimension);
}

export function checkGrid(device: GPUDevice, label: string, grid: readonly number[]): void {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  const over = grid.find((g) => g > max);
  if (over !== undefined) {
    throw new LimitTooLowError(`maxComputeWorkgroupsPerDimension (${label})`, over, max);
  }
}

export interface KernelSpec<F extends UniformFields> {
  key: KernelKey;
  /** Names this dispatch among others of the same kernel, e.g. `blocks.3.attn.qkv`. */
  name?: string | undefined;
  source: string;
  constants?: Record<string, number>;
  uniforms: UniformStruct<F>;
  values: UniformValues<F>;
  /** Bound at @binding(1), (2), ... in order; @binding(0) is the uniform struct. */
  bindings: GPUBuffer[];
  grid: readonly [number, number?, number?];
  /** Buffers the kernel made for itself (tables), destroyed with it. */
  owned?: GPUBuffer[];
}

/** One prepared dispatch: build at load, `encode` every step, `update` uniforms that change. */
export class Kernel<F extends UniformFields = UniformFields> {
  readonly key: string;
  readonly label: string;
  readonly grid: readonly [number, number, number];
  readonly #device: GPUDevice;
  readonly #pipeline: GPUComputePipeline;
  readonly #bindGroup: GPUBindGroup;
  readonly #uniformBuffer: GPUBuffer;
  readonly #uniforms: UniformStruct<F>;
  readonly #owned: GPUBuffer[];
  #values: UniformValues<F>;

  constructor(ctx: OpContext, spec: KernelSpec<F>) {
    const { device, pipelines } = ctx;
    this.#device = device;
    this.key = kernelLabel(spec.key);
    this.label = spec.name ? `${this.key} ${spec.name}` : this.key;
    this.grid = [spec.grid[0], spec.grid[1] ?? 1, spec.grid[2] ?? 1];
    checkGrid(device, this.label, this.grid);
    this.#uniforms = spec.uniforms;
    this.#values = { ...spec.values };
    this.#owned = spec.owned ?? [];
    this.#pipeline = pipelines.get(spec.key, spec.source, spec.constants ?? {});
    this.#uniformBuffer = device.createBuffer({
      label: `${this.label}:uniforms`,
      size: spec.uniforms.byteSize,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(this.#uniformBuffer, 0, spec.uniforms.pack(this.#values));
    const maxBinding = device.limits.maxStorageBufferBindingSize;
    this.#bindGroup = device.createBindGroup({
      label: this.label,
      layout: this.#pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.#uniformBuffer } },
        ...spec.bindings.map((buffer, i) => ({
          binding: i + 1,
          // Pool buffers may exceed the binding limit by their size class; tensors were checked.
          resource: { buffer, size: Math.min(buffer.size, Math.floor(maxBinding / 4) * 4) },
        })),
      ],
    });
  }

  get values(): Readonly<UniformValues<F>> {
    return this.#values;
  }

  /** Rewrites changed uniforms (e.g. the sampler's t); takes effect for later submits. */
  update(values: Partial<UniformValues<F>>): void {
    this.#values = { ...this.#values, ...values };
    this.#device.queue.writeBuffer(this.#uniformBuffer, 0, this.#uniforms.pack(this.#values));
  }

  /** One compute pass, timed when a profiler with timestamps is given. */
  encode(encoder: GPUCommandEncoder, profiler?: GpuProfiler): void {
    const pass = encoder.beginComputePass(
      profiler ? profiler.passDescriptor(this.key, this.label) : { label: this.label },
    );
    pass.setPipeline(this.#pipeline);
    pass.setBindGroup(0, this.#bindGroup);
    pass.dispatchWorkgroups(...this.grid);
    pass.end();
  }

  destroy(): void {
    this.#uniformBuffer.destroy();
    for (const buffer of this.#owned) buffer.destroy();
  }
}

/** Checks every tensor fits one storage binding (large weights must be split by the caller). */
export function checkBindingSizes(
  device: GPUDevice,
  op: string,
  tensors: Record<string, Tensor | undefined>,
) {
  const max = device.limits.maxStorageBufferBindingSize;
  for (const [name, t] of Object.entries(tensors)) {
    if (!t) continue;
    const bytes = tensorBytes(t.shape, t.dtype);
    if (bytes > max) throw new LimitTooLowError(`maxStorageBufferBindingSize (${op} ${name})`, bytes, max);
  }
}
