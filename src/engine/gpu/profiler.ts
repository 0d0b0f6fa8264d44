// GPU time per compute pass from timestamp queries (begin and end of each pass), where the
// device has `timestamp-query`; elsewhere every method is a no-op and `read` returns nothing.
// Use: kernels pass `passDescriptor(...)` to beginComputePass, then `resolve(encoder)` before
// finish, submit, `await read()`.

export interface PassTiming {
  /** The kernel key, `name:dtype:variant`; totals group by it. */
  kernel: string;
  label: string;
  beginNs: number;
  endNs: number;
  durationNs: number;
}

export interface KernelTotal {
  kernel: string;
  passes: number;
  totalNs: number;
}

export interface Profile {
  passes: PassTiming[];
  /** Per kernel key, slowest first. */
  totals: KernelTotal[];
  /** Passes encoded after the query set was full; they ran untimed. */
  untimed: number;
}

export class GpuProfiler {
  readonly enabled: boolean;
  readonly capacity: number;
  readonly #querySet: GPUQuerySet | null = null;
  readonly #resolveBuffer: GPUBuffer | null = null;
  readonly #readBuffer: GPUBuffer | null = null;
  #pending: { kernel: string; label: string }[] = [];
  #untimed = 0;
  #resolved = 0;

  /** `maxPasses` timed passes per read; the query set holds two timestamps per pass. */
  constructor(device: GPUDevice, { maxPasses = 1024, label = 'profiler' } = {}) {
    this.enabled = device.features.has('timestamp-query');
    this.capacity = maxPasses;
    if (!this.enabled) return;
    const count = maxPasses * 2;
    this.#querySet = device.createQuerySet({ label: `${label}:timestamps`, type: 'timestamp', count });
    this.#resolveBuffer = device.createBuffer({
      label: `${label}:resolve`,
      size: count * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    this.#readBuffer = device.createBuffer({
      label: `${label}:read`,
      size: count * 8,
      usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    });
  }

  /** A compute pass descriptor that records its begin and end when there is room. */
  passDescriptor(kernel: string, label: string = kernel): GPUComputePassDescriptor {
    if (!this.#querySet) return { label };
    if (this.#pending.length >= this.capacity) {
      this.#untimed++;
      return { label };
    }
    const index = this.#pending.length * 2;
    this.#pending.push({ kernel, label });
    return {
      label,
      timestampWrites: {
        querySet: this.#querySet,
        beginningOfPassWriteIndex: index,
        endOfPassWriteIndex: index + 1,
      },
    };
  }

  /** Encodes the copy of this round's timestamps into the mappable buffer. */
  resolve(encoder: GPUCommandEncoder): void {
    if (!this.#querySet || this.#pending.length === 0) return;
    const count = this.#pending.length * 2;
    encoder.resolveQuerySet(this.#querySet, 0, count, this.#resolveBuffer!, 0);
    encoder.copyBufferToBuffer(this.#resolveBuffer!, 0, this.#readBuffer!, 0, count * 8);
    this.#resolved = this.#pending.length;
  }

  /** Reads the resolved timestamps (after submit) and starts a new round. */
  async read(): Promise<Profile> {
    const recorded = this.#pending.slice(0, this.#resolved);
    const untimed = this.#untimed + (this.#pending.length - recorded.length);
    this.#pending = [];
    this.#untimed = 0;
    this.#resolved = 0;
    if (!this.#readBuffer || recorded.length === 0) return { passes: [], totals: [], untimed };

    await this.#readBuffer.mapAsync(GPUMapMode.READ, 0, recorded.length * 16);
    const stamps = new BigUint64Array(this.#readBuffer.getMappedRange(0, recorded.length * 16).slice(0));
    this.#readBuffer.unmap();

    // Relative to the first timestamp, so Number keeps nanosecond precision.
    const origin = stamps[0]!;
    const passes = recorded.map(({ kernel, label }, i) => {
      const beginNs = Number(stamps[2 * i]! - origin);
      const endNs = Number(stamps[2 * i + 1]! - origin);
      return { kernel, label, beginNs, endNs, durationNs: endNs - beginNs };
    });
    const byKernel = new Map<string, KernelTotal>();
    for (const p of passes) {
      const total = byKernel.get(p.kernel) ?? { kernel: p.kernel, passes: 0, totalNs: 0 };
      total.passes++;
      total.totalNs += Math.max(0, p.durationNs);
      byKernel.set(p.kernel, total);
    }
    const totals = [...byKernel.values()].sort((a, b) => b.totalNs - a.totalNs);
    return { passes, totals, untimed };
  }

  destroy(): void {
    this.#querySet?.destroy();
    this.#resolveBuffer?.destroy();
    this.#readBuffer?.destroy();
  }
}
