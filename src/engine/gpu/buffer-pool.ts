// Storage buffers for intermediate tensors, allocated at model load and recycled every step.
// Requests round up to a size class (four classes per power of two, so at most 25% slack);
// a released buffer serves any later request of its class. After `seal()` the pool refuses to
// allocate, which turns "a step allocates nothing" into an error instead of a slow leak.

import { LimitTooLowError } from '../errors.ts';

const MIN_CLASS_BYTES = 256;

export class PoolSealedError extends Error {
  override name = 'PoolSealedError';
}

/** The size class `bytes` rounds up to: 256 B minimum, then m * 2^e with m in {4, 5, 6, 7}. */
export function sizeClass(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 1) throw new RangeError(`buffer size ${bytes} bytes`);
  if (bytes <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  const step = 2 ** (Math.floor(Math.log2(bytes - 1)) - 2);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  readonly #device: GPUDevice;
  readonly #label: string;
  readonly #free = new Map<number, GPUBuffer[]>();
  /** Every buffer the pool made, with its class and whether it is out. */
  readonly #owned = new Map<GPUBuffer, { bytes: number; inUse: boolean }>();
  #bytesAllocated = 0;
  #bytesInUse = 0;
  #sealed = false;

  constructor(device: GPUDevice, label = 'pool') {
    this.#device = device;
    this.#label = label;
  }

  /** Bytes of every buffer the pool holds, free or out. */
  get bytesAllocated(): number {
    return this.#bytesAllocated;
  }

  /** Bytes (by size class) of buffers acquired and not yet released. */
  get bytesInUse(): number {
    return this.#bytesInUse;
  }

  get buffersAllocated(): number {
    return this.#owned.size;
  }

  get sealed(): boolean {
    return this.#sealed;
  }

  /** Allocates free buffers ahead of time, one per entry (sizes in bytes), at model load. */
  reserve(sizes: readonly number[]): void {
    for (const bytes of sizes) this.#push(this.#allocate(sizeClass(bytes), 'free'));
  }

  /** From now on an acquire that finds no free buffer throws instead of allocating. */
  seal(): void {
    this.#sealed = true;
  }

  /** A buffer of at least `bytes`, labelled for validation messages; release it when done. */
  acquire(bytes: number, label: string): GPUBuffer {
    const size = sizeClass(bytes);
    const buffer = this.#free.get(size)?.pop() ?? this.#allocateAfterCheck(size, label);
    const entry = this.#owned.get(buffer)!;
    entry.inUse = true;
    this.#bytesInUse += size;
    buffer.label = `${this.#label}:${label}`;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const entry = this.#owned.get(buffer);
    if (!entry) throw new Error(`${this.#label}: ${buffer.label} does not belong to this pool`);
    if (!entry.inUse) throw new Error(`${this.#label}: ${buffer.label} released twice`);
    entry.inUse = false;
    this.#bytesInUse -= entry.bytes;
    buffer.label = `${this.#label}:free`;
    this.#push(buffer);
  }

  /** Destroys every buffer, including any still out. */
  destroy(): void {
    for (const buffer of this.#owned.keys()) buffer.destroy();
    this.#owned.clear();
    this.#free.clear();
    this.#bytesAllocated = 0;
    this.#bytesInUse = 0;
  }

  #allocateAfterCheck(size: number, label: string): GPUBuffer {
    if (this.#sealed) {
      throw new PoolSealedError(
        `${this.#label}: no free ${size}-byte buffer for ${label}; the pool is sealed ` +
          '(reserve every intermediate at load)',
      );
    }
    return this.#allocate(size, label);
  }

  #allocate(size: number, label: string): GPUBuffer {
    const max = this.#device.limits.maxBufferSize;
    if (size > max) throw new LimitTooLowError(`maxBufferSize (${label})`, size, max);
    const buffer = this.#device.createBuffer({
      label: `${this.#label}:${label}`,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.#owned.set(buffer, { bytes: size, inUse: false });
    this.#bytesAllocated += size;
    return buffer;
  }

  #push(buffer: GPUBuffer): void {
    const size = this.#owned.get(buffer)!.bytes;
    const list = this.#free.get(size);
    if (list) list.push(buffer);
    else this.#free.set(size, [buffer]);
  }
}
