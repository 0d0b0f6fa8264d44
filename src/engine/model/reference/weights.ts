// Model weights for the reference: every tensor of a checked safetensors file as float64.

import { checkWeights, type ModelConfig, weightsDtype } from '../config.ts';
import type { SafetensorsFile } from '../safetensors.ts';
import { tensor, type Tensor } from './tensor.ts';

export type Weights = ReadonlyMap<string, Tensor>;

/** Checks names, dtypes and shapes against the config, then widens every tensor to float64. */
export function loadWeights(
  config: ModelConfig,
  file: SafetensorsFile,
  dtype: string = weightsDtype(config),
): Weights {
  checkWeights(config, file, dtype);
  const out = new Map<string, Tensor>();
  for (const [name, info] of file.tensors) out.set(name, tensor(info.shape, file.toFloat32(name)));
  return out;
}

/** The named weight; a missing one is a bug in the caller (loadWeights checked the file). */
export function weight(weights: Weights, name: string): Tensor {
  const w = weights.get(name);
  if (!w) throw new Error(`reference: no weight named ${name}`);
  return w;
}
