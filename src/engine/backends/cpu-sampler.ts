// Few-step rectified-flow sampling over any Denoiser, on the host: the same schedule, Euler
// update, batched guidance and context handling as the GPU GenerationPlan and the float64
// reference sampler (../model/reference/sampler.ts). With the CPU reference decoder it turns
// onnxruntime-web's wasm backend into a whole generator that needs no WebGPU at all.
//
// One step:
//   input = [x, context * mask, mask]                    (B, Cin, T, H, W); B = 2 with guidance
//   v     = denoiser.predict(input, t, [cond, uncond])   (B, C, T, H, W)
//   x     = x + (t_next - t) * (v_u + g (v_c - v_u))

import { rgbaToPlanes } from '../model/autoencoder-gpu.ts';
import type { ModelConfig } from '../model/config.ts';
import { decode, encoderForward } from '../model/reference/autoencoder.ts';
import { tensor } from '../model/reference/tensor.ts';
import type { Weights } from '../model/reference/weights.ts';
import { nullTokens } from '../model/tokenizer.ts';
import { statistics } from '../engine.ts';
import type { Clip, Frames, StepEvent } from '../protocol.ts';
import type { ValidRequest } from '../request.ts';
import { gaussianNoise } from '../sampler/prng.ts';
import { eulerStep, guide, timesteps } from '../sampler/schedule.ts';
import type { Denoiser } from './denoiser.ts';

export interface CpuSampleOptions {
  /** (C, T, H, W) starting noise (t = 1) of one clip. */
  readonly noise: Float32Array;
  /** (max_tokens) conditional prompt ids. */
  readonly tokens: Int32Array;
  readonly steps: number;
  readonly shift: number;
  readonly guidance: number;
  /** (C, T, H, W) latents of the given frames, zero elsewhere; null for none. */
  readonly context?: Float32Array | null;
  /** The first `contextFrames` frames are given. */
  readonly contextFrames?: number;
  /**
   * Hears each finished step with the state after it and the (guided) velocity of the step,
   * both (C, T, H, W); the state before it is x - (tNext - t) v, the predicted clean clip
   * x - tNext v. The arrays are reused: copy what must outlive the call.
   */
  readonly onStep?: (event: StepEvent, x: Float32Array, v: Float32Array) => void;
  /** Checked before each step; true stops the run with SamplingStopped. */
  readonly shouldStop?: () => boolean;
}

export class SamplingStopped extends Error {
  override name = 'SamplingStopped';
  constructor() {
    super('Sampling stopped.');
  }
}

/** Samples one clip's latents (C, T, H, W); given context frames replace those of the result. */
export async function sampleLatentsWith(
  denoiser: Denoiser,
  options: CpuSampleOptions,
): Promise<Float32Array> {
  const { config } = denoiser;
  const { noise, tokens, steps, shift, guidance } = options;
  const { channels: C, frames: T, height: H, width: W } = config.latent;
  const frame = H * W;
  const clip = C * T * frame;
  const K = config.text.maxTokens;
  if (noise.length !== clip) throw new RangeError(`noise holds ${noise.length} values, a clip has ${clip}`);
  if (tokens.length !== K) throw new RangeError(`tokens hold ${tokens.length} ids, the model takes ${K}`);
  const context = options.context ?? null;
  const given = context ? (options.contextFrames ?? 0) : 0;
  if (context && context.length !== clip) {
    throw new RangeError(`context holds ${context.length} values, a clip has ${clip}`);
  }
  if (!Number.isInteger(given) || given < 0 || given > config.context.maxFrames) {
    throw new RangeError(`contextFrames must be 0 to ${config.context.maxFrames}, got ${given}`);
  }

  // Guidance 1 is the conditional model alone: one row, as GenerationPlan does.
  const guided = guidance !== 1;
  const B = guided ? 2 : 1;
  const perItem = (config.inChannels * clip) / C; // Cin * T * H * W
  const input = new Float32Array(B * perItem); // (B, Cin, T, H, W)
  if (config.context.maxFrames > 0) {
    // Context and mask channels are the same every step: fill them once, in every row.
    for (let b = 0; b < B; b++) {
      const base = b * perItem;
      for (let f = 0; f < given; f++) {
        for (let c = 0; c < C && context; c++) {
          const at = (c * T + f) * frame;
          input.set(context.subarray(at, at + frame), base + clip + at);
        }
        input.fill(1, base + 2 * clip + f * frame, base + 2 * clip + (f + 1) * frame);
      }
    }
  }
  const y = new Int32Array(B * K); // (B, K): [cond, uncond]
  y.set(tokens);
  if (guided) y.set(nullTokens(K), K);
  const ts = timesteps(steps, shift);
  const tBatch = new Float32Array(B);
  const v = new Float32Array(clip);
  const x = Float32Array.from(noise);

  for (let i = 0; i < steps; i++) {
    if (options.shouldStop?.()) throw new SamplingStopped();
    const started = performance.now();
    for (let b = 0; b < B; b++) input.set(x, b * perItem);
    tBatch.fill(ts[i]!);
    const v2 = await denoiser.predict(input, tBatch, y); // (B, C, T, H, W)
    if (guided) guide(v2.subarray(0, clip), v2.subarray(clip, 2 * clip), guidance, v);
    else v.set(v2);
    eulerStep(x, v, ts[i]!, ts[i + 1]!, x);
    const milliseconds = performance.now() - started;
    options.onStep?.({ step: i, steps, t: ts[i]!, tNext: ts[i + 1]!, milliseconds }, x, v);
  }
  for (let c = 0; c < C && context; c++) {
    const at = c * T * frame;
    x.set(context.subarray(at, at + given * frame), at);
  }
  return x;
}

/** Given RGBA frames (k, H, W, 4) → their latents in a (C, T, Hl, Wl) context, zero past k. */
export function encodeContext(
  config: ModelConfig,
  weights: Weights,
  rgba: Uint8Array,
  frames: number,
): Float32Array {
  if (!config.autoencoder)
    throw new Error(`model ${config.id} works on pixels: no encoder for context frames`);
  const { channels: C, frames: T, height: Hl, width: Wl } = config.latent;
  const pixels = tensor(
    [frames, 3, config.height, config.width],
    rgbaToPlanes(rgba, frames, config.height, config.width),
  );
  const z = encoderForward(config, weights, pixels); // (k, C, Hl, Wl), before latent_scale
  const scale = config.autoencoder.latentScale;
  const plane = Hl * Wl;
  const out = new Float32Array(C * T * plane);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < plane; p++) out[(c * T + f) * plane + p] = z.data[(f * C + c) * plane + p]! * scale;
    }
  }
  return out;
}

/** Latents (C, T, Hl, Wl) → RGBA frames (T, H, W, 4) through the float64 reference decoder. */
export function decodeToRgba(config: ModelConfig, weights: Weights, latent: Float32Array): Uint8Array {
  const { channels: C, frames: T, height: Hl, width: Wl } = config.latent;
  if (!config.autoencoder) return planesToRgba(latent, T * Hl * Wl);
  const pixels = decode(config, weights, tensor([1, C, T, Hl, Wl], latent)); // (1, 3, T, H, W)
  return planesToRgba(pixels.data, T * config.height * config.width);
}

/** (3, T, H, W) in [-1, 1] → (T, H, W, 4) bytes, as shaders/to_rgba8.wgsl. */
function planesToRgba(planes: ArrayLike<number>, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) {
      out[p * 4 + c] = Math.round(Math.min(Math.max((planes[c * pixels + p]! + 1) * 127.5, 0), 255));
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

/**
 * What the engine's step events carry, from the host sampler's state: previews decoded on the
 * CPU reference decoder (x0 = the predicted clean clip, xt = the state after the step) and,
 * for a trace, statistics of x_t before the step, the guided velocity and x0. No GPU timings.
 */
export function hostStepEvent(
  config: ModelConfig,
  weights: Weights,
  request: Pick<ValidRequest, 'preview' | 'trace'>,
  event: StepEvent,
  x: Float32Array,
  v: Float32Array,
): StepEvent {
  const preview = request.preview ?? 'x0';
  if (preview === 'none' && !request.trace) return event;
  const { t, tNext } = event;
  const x0 = x.map((value, i) => value - tNext * v[i]!); // = x_t - t v
  const frames = (rgba: Uint8Array): Frames => ({
    rgba,
    frameCount: config.frames,
    width: config.width,
    height: config.height,
  });
  const out: StepEvent = { ...event };
  if (request.trace) {
    const before = x.map((value, i) => value - (tNext - t) * v[i]!);
    out.stats = { x: statistics(before), velocity: statistics(v), x0: statistics(x0) };
  }
  if (preview !== 'none') out.x0 = frames(decodeToRgba(config, weights, x0));
  if (preview === 'both') out.xt = frames(decodeToRgba(config, weights, x));
  return out;
}

/**
 * A whole generation without WebGPU: noise from the request's seed, sampling over `denoiser`,
 * context frames encoded and decoding on the CPU reference autoencoder (`weights`, which
 * needs only the encoder./decoder. tensors). Step events carry the previews and statistics the
 * request asks for (hostStepEvent); their decoding counts in the step's milliseconds.
 */
export async function generateClipWith(
  denoiser: Denoiser,
  weights: Weights,
  request: ValidRequest,
  onStep: (event: StepEvent) => void = () => {},
  shouldStop?: () => boolean,
): Promise<Clip> {
  const { config } = denoiser;
  const started = performance.now();
  const { channels: C, frames: T, height: H, width: W } = config.latent;
  const noise = gaussianNoise(request.seed, C * T * H * W);
  const context =
    request.context && request.contextFrames > 0
      ? encodeContext(config, weights, request.context.rgba, request.contextFrames)
      : null;
  const stepMilliseconds: number[] = [];
  const latent = await sampleLatentsWith(denoiser, {
    noise,
    tokens: request.tokens,
    steps: request.steps,
    shift: config.schedule.shift,
    guidance: request.guidance,
    context,
    contextFrames: request.contextFrames,
    onStep: (event, x, v) => {
      const started = performance.now();
      const full = hostStepEvent(config, weights, request, event, x, v);
      full.milliseconds += performance.now() - started;
      stepMilliseconds.push(full.milliseconds);
      onStep(full);
    },
    ...(shouldStop ? { shouldStop } : {}),
  });
  return {
    rgba: decodeToRgba(config, weights, latent),
    frameCount: config.frames,
    width: config.width,
    height: config.height,
    fps: config.fps,
    params: {
      modelId: config.id,
      prompt: request.prompt,
      seed: request.seed,
      steps: request.steps,
      guidance: request.guidance,
      contextFrames: request.contextFrames,
      backend: denoiser.name,
    },
    milliseconds: performance.now() - started,
    stepMilliseconds,
  };
}
