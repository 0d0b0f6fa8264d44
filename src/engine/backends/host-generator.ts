// Generation without the WGSL engine: an OnnxDenoiser (WebGPU or wasm) under the host sampler,
// with the CPU reference autoencoder for context frames and decoding. It answers the same
// GenerationRequest with the same Clip as Engine.generate, so the worker can route a request
// to either; `timeForward` measures a backend on this device, to choose and remember one.

import { GenerationCancelled } from '../engine.ts';
import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { loadWeights, type Weights } from '../model/reference/weights.ts';
import { parseSafetensors } from '../model/safetensors.ts';
import { nullTokens } from '../model/tokenizer.ts';
import type { Clip, GenerationRequest, StepEvent } from '../protocol.ts';
import { validateRequest } from '../request.ts';
import { gaussianNoise } from '../sampler/prng.ts';
import { generateClipWith, SamplingStopped } from './cpu-sampler.ts';
import type { Denoiser } from './denoiser.ts';
import { OnnxDenoiser, type OnnxProvider, type OrtModule } from './onnx.ts';

export class HostGenerator {
  readonly config: ModelConfig;
  readonly denoiser: Denoiser;
  readonly #weights: Weights;
  #generating = false;
  #cancelRequested = false;

  constructor(denoiser: Denoiser, weights: Weights) {
    this.config = denoiser.config;
    this.denoiser = denoiser;
    this.#weights = weights;
  }

  /** config.json, model.safetensors (for the autoencoder) and model.onnx of one model folder. */
  static async create(
    ort: OrtModule,
    configJson: unknown,
    weightBytes: Uint8Array | ArrayBuffer,
    onnxBytes: Uint8Array | ArrayBuffer,
    provider: OnnxProvider | 'auto' = 'auto',
  ): Promise<HostGenerator> {
    const config = parseModelConfig(configJson);
    const weights = loadWeights(config, parseSafetensors(weightBytes));
    const denoiser = await OnnxDenoiser.create(ort, configJson, onnxBytes, { provider });
    return new HostGenerator(denoiser, weights);
  }

  async generate(request: GenerationRequest, onStep: (event: StepEvent) => void = () => {}): Promise<Clip> {
    if (this.#generating) throw new Error('A generation is already running; cancel it or wait for it.');
    const valid = validateRequest(request, this.config);
    this.#generating = true;
    this.#cancelRequested = false;
    try {
      return await generateClipWith(this.denoiser, this.#weights, valid, onStep, () => this.#cancelRequested);
    } catch (error) {
      if (error instanceof SamplingStopped) throw new GenerationCancelled();
      throw error;
    } finally {
      this.#generating = false;
    }
  }

  /** Stops the running generation before its next step (it rejects with GenerationCancelled). */
  cancel(): void {
    if (this.#generating) this.#cancelRequested = true;
  }

  dispose(): void {
    this.denoiser.dispose();
  }
}

/**
 * Median milliseconds of one guided step's forward (batch 2) on `denoiser`, after one warm-up
 * forward (which compiles shaders or kernels): what a backend choice per device can rest on.
 */
export async function timeForward(denoiser: Denoiser, runs = 3): Promise<number> {
  const { config } = denoiser;
  const { channels: C, frames: T, height: H, width: W } = config.latent;
  const perItem = config.inChannels * T * H * W;
  const x = new Float32Array(2 * perItem);
  const noise = gaussianNoise(0, C * T * H * W);
  x.set(noise, 0);
  x.set(noise, perItem);
  const K = config.text.maxTokens;
  const tokens = new Int32Array(2 * K);
  tokens.set(nullTokens(K));
  tokens.set(nullTokens(K), K);
  const t = Float32Array.from([0.5, 0.5]);
  await denoiser.predict(x, t, tokens);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    await denoiser.predict(x, t, tokens);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
