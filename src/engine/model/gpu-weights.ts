// Weights go to the GPU once, at load: one storage buffer per tensor, checked against the config.
import { expectedTensors, type ModelConfig } from './config.ts';
import { f32ToF16, type SafetensorsFile } from './safetensors.ts';
import { tensor, tensorBytes, type Dtype, type Tensor } from '../ops/kernel.ts';

export interface GpuWeights {
  get(name: string): Tensor;
  readonly bytes: number;
  destroy(): void;
}

/** The DiT's weights in the engine's precision; the autoencoder's stay f32 (its kernels are). */
export function weightDtype(precision: Dtype): (name: string) => Dtype {
  return (name) => (name.startsWith('encoder.') || name.startsWith('decoder.') ? 'f32' : precision);
}

/** Host values in a GPU dtype: f32 as is, f16 as IEEE half bits (round to nearest even). */
export function hostBytes(values: Float32Array, dtype: Dtype): Float32Array | Uint16Array {
  return dtype === 'f32' ? values : Uint16Array.from(values, f32ToF16);
}

/**
 * Uploads every tensor the config expects (the caller ran `checkWeights` first), each in the
 * dtype `dtypeOf` names. `transform` may rewrite a tensor's values on the way (e.g. folding a
 * constant into a weight).
 */
export function uploadWeights(
  device: GPUDevice,
  config: ModelConfig,
  file: SafetensorsFile,
  transform: (name: string, values: Float32Array) => Float32Array = (_, v) => v,
  dtypeOf: (name: string) => Dtype = () => 'f32',
): GpuWeights {
  const tensors = new Map<string, Tensor>();
  let bytes = 0;
  for (const [name, shape] of expectedTensors(config)) {
    const dtype = dtypeOf(name);
    const data = hostBytes(transform(name, file.toFloat32(name)), dtype);
    const buffer = device.createBuffer({
      label: name,
      size: Math.max(16, Math.ceil(data.byteLength / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    // writeBuffer needs a multiple of 4 bytes: pad an odd count of halves.
    const padded = data.byteLength % 4 ? new Uint8Array(data.byteLength + 2) : null;
    padded?.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    device.queue.writeBuffer(buffer, 0, padded ?? data);
    tensors.set(name, tensor(buffer, shape, dtype));
    bytes += tensorBytes(shape, dtype);
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
