// Float64 reference of few-step sampling: Euler on the rectified-flow ODE with batched
// classifier-free guidance and optional context frames, as training/tessera/sampling.py.

import { eulerStep, guide, timesteps } from '../../sampler/schedule.ts';
import type { ModelConfig } from '../config.ts';
import { nullTokens } from '../tokenizer.ts';
import { ditForward, type Trace } from './dit.ts';
import { concat0, expectRank, slice0, tensor, type Tensor } from './tensor.ts';
import type { Weights } from './weights.ts';

export interface SampleOptions {
  /** (N, C, T, H, W) starting noise (t = 1). */
  readonly noise: Tensor;
  /** One token-id array per sample (the conditional prompts). */
  readonly tokens: readonly Int32Array[];
  readonly steps: number;
  readonly shift: number;
  readonly guidance: number;
  /** Latents of the given frames, (N, C, T, H, W), zero elsewhere; null for none. */
  readonly context?: Tensor | null;
  /** Given frames per sample: the first `contextFrames` frames of each clip. */
  readonly contextFrames?: number;
  readonly trace?: Trace;
}

/**
 * [x (N, C, ...), context * mask (N, C, ...), mask (N, 1, ...)] along channels → (N, 2C+1, T, H, W).
 * The mask is 1 on the first `given` frames.
 */
export function withContextChannels(x: Tensor, context: Tensor | null, given: number): Tensor {
  const [N, C, T, H, W] = expectRank('withContextChannels', 'x', x, 5);
  const frame = H! * W!;
  const clip = C! * T! * frame;
  const out = tensor([N!, 2 * C! + 1, T!, H!, W!]);
  for (let n = 0; n < N!; n++) {
    const base = n * (2 * C! + 1) * T! * frame;
    out.data.set(x.data.subarray(n * clip, (n + 1) * clip), base);
    for (let t = 0; t < given; t++) {
      for (let c = 0; c < C! && context; c++) {
        const from = ((n * C! + c) * T! + t) * frame;
        out.data.set(context.data.subarray(from, from + frame), base + clip + (c * T! + t) * frame);
      }
      out.data.fill(1, base + 2 * clip + t * frame, base + 2 * clip + (t + 1) * frame);
    }
  }
  return out;
}

/** Samples latents (N, C, T, H, W); given context frames replace those of the result. */
export function sampleLatents(config: ModelConfig, weights: Weights, options: SampleOptions): Tensor {
  const { noise, tokens, steps, shift, guidance, trace } = options;
  const context = options.context ?? null;
  const given = context ? (options.contextFrames ?? 0) : 0;
  const [N, C, T, H, W] = expectRank('sampleLatents', 'noise', noise, 5);
  const y = [...tokens, ...tokens.map(() => nullTokens(config.text.maxTokens))]; // cond rows, then uncond
  const ts = timesteps(steps, shift);
  let x = noise;
  for (let i = 0; i < steps; i++) {
    const input = config.context.maxFrames > 0 ? withContextChannels(x, context, given) : x;
    const v2 = ditForward(config, weights, concat0([input, input]), new Float64Array(2 * N!).fill(ts[i]!), y);
    const vCond = slice0(v2, 0, N!);
    const vUncond = slice0(v2, N!, 2 * N!);
    const v = tensor(noise.shape);
    guide(vCond.data, vUncond.data, guidance, v.data);
    trace?.(`step.${i}.x`, x);
    trace?.(`step.${i}.v_cond`, vCond);
    trace?.(`step.${i}.v_uncond`, vUncond);
    trace?.(`step.${i}.v`, v);
    const next = tensor(noise.shape);
    eulerStep(x.data, v.data, ts[i]!, ts[i + 1]!, next.data);
    x = next;
  }
  if (context) {
    const frame = H! * W!;
    for (let n = 0; n < N!; n++) {
      for (let c = 0; c < C!; c++) {
        const from = (n * C! + c) * T! * frame;
        x.data.set(context.data.subarray(from, from + given * frame), from);
      }
    }
  }
  return x;
}
