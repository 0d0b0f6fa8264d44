/** A kernel's identity in the cache: `name:dtype:variant` (shapes never enter the key). */
export interface KernelKey {
  name: string;
  dtype: 'f32' | 'f16';
  variant?: string;
}

export function kernelLabel({ name, dtype, variant }: KernelKey): string {
  return variant ? `${name}:${dtype}:${variant}` : `${name}:${dtype}`;
}

/** Compute pipelines built once per device and reused for every dispatch. */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #pipelines = new Map<string, GPUComputePipeline>();

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  get size(): number {
    return this.#pipelines.size;
  }

  get(key: KernelKey, code: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const label = kernelLabel(key);
    let pipeline = this.#pipelines.get(label);
    if (!pipeline) {
      const module = this.#device.createShaderModule({ label, code });
      pipeline = this.#device.createComputePipeline({
        label,
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants },
      });
      this.#pipelines.set(label, pipeline);
    }
    return pipeline;
  }
}
