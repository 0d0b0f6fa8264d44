// A Denoiser is one DiT forward pass behind a host-memory interface, so the sampler does not
// care where it runs: the WGSL engine (wgsl.ts) or onnxruntime-web on WebGPU or wasm (onnx.ts).
// Layouts are PyTorch's (docs/model-format.md): x (N, Cin, T, H, W), velocity (N, C, T, H, W).

import type { ModelConfig } from '../model/config.ts';
import { BACKENDS, type Backend } from '../protocol.ts';

export const BACKEND_NAMES = BACKENDS;
export type BackendName = Backend;

export interface Denoiser {
  /** Where the forward runs. */
  readonly name: BackendName;
  readonly config: ModelConfig;
  /**
   * One forward over a batch of N: x (N, Cin, T, H, W) float32, t (N) in [0, 1], tokens
   * (N, max_tokens) row-major ids → velocity (N, C, T, H, W), a fresh array the caller owns.
   */
  predict(x: Float32Array, t: Float32Array, tokens: Int32Array): Promise<Float32Array>;
  /** Frees what the backend holds (GPU buffers, the ORT session); predict fails afterwards. */
  dispose(): void;
}

export class DenoiserInputError extends Error {
  override name = 'DenoiserInputError';
}

/** Checks the three inputs against the config and each other; returns the batch size N. */
export function checkDenoiserInputs(
  config: ModelConfig,
  x: Float32Array,
  t: Float32Array,
  tokens: Int32Array,
): number {
  const { frames: T, height: H, width: W } = config.latent;
  const perItem = config.inChannels * T * H * W;
  const n = t.length;
  if (n < 1) throw new DenoiserInputError('t is empty: a forward needs a batch of at least one');
  if (x.length !== n * perItem) {
    throw new DenoiserInputError(
      `x holds ${x.length} values; a batch of ${n} needs ${n} x ${config.inChannels} x ${T} x ${H} x ${W} = ${n * perItem}`,
    );
  }
  const K = config.text.maxTokens;
  if (tokens.length !== n * K) {
    throw new DenoiserInputError(`tokens hold ${tokens.length} ids; a batch of ${n} needs ${n} x ${K}`);
  }
  const vocab = config.vocabSize;
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i]!;
    if (!(id >= 0 && id < vocab)) {
      throw new DenoiserInputError(`tokens[${i}] = ${id} is outside the vocabulary (0 to ${vocab - 1})`);
    }
  }
  return n;
}

/** The token rows of a (N, K) batch as N arrays (views, not copies). */
export function tokenRows(tokens: Int32Array, maxTokens: number): Int32Array[] {
  return Array.from({ length: tokens.length / maxTokens }, (_, n) =>
    tokens.subarray(n * maxTokens, (n + 1) * maxTokens),
  );
}
