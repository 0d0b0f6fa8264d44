// Weights go to the GPU once, at load: one storage buffer per tensor, checked against the config.
import { expectedTensors, type ModelConfig } from './config.ts';
import type { SafetensorsFile } from './safetensors.ts';
import { tensor, tensorBytes, type Tensor } from '../ops/kernel.ts';

export interface GpuWeights {
  get(name: string): Tensor;
  readonly bytes: number;
  destroy(): void;
}

/**
 * Uploads every tensor the config expects (the caller ran `checkWeights` first). Storage is f32:
 * F16 files are widened on the CPU once, so every adapter runs the same kernels.
 * `transform` may rewrite a tensor's values on the way (e.g. folding a constant into a weight).
 */
export function uploadWeights(
  device: GPUDevice,
  config: ModelConfig,
  file: SafetensorsFile,
  transform: (name: string, values: Float32Array) => Float32Array = (_, v) => v,
): GpuWeights {
  const tensors = new Map<string, Tensor>();
  let bytes = 0;
  for (const [name, shape] of expectedTensors(config)) {
    const values = transform(name, file.toFloat32(name));
    const buffer = device.createBuffer({
      label: name,
      size: Math.max(16, Math.ceil(values.byteLength / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(buffer, 0, values);
    tensors.set(name, tensor(buffer, shape));
    bytes += tensorBytes(shape, 'f32');
  }
  return {
    bytes,
    get(name) {
      const t = tensors.get(name);
      if (!t) throw new Error(`no weight named ${name}`);
      return t;
    },
    destroy() {
      for (const t of tensors.values()) t.buffer.destroy();
      tensors.clear();
    },
  };
}
