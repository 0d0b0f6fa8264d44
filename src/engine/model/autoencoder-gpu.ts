// The video compression network on the GPU: the per-frame decoder (latent clip → RGBA frames)
// and encoder (given context frames → latent), as training/tessera/autoencoder.py.
// latent_scale is folded into the weights at upload (encoder.conv_out scaled by s, decoder.conv_in
// by 1/s), so no kernel multiplies by it.

import type { BufferPool } from '../gpu/buffer-pool.ts';
import type { GpuProfiler } from '../gpu/profiler.ts';
import { createConv2d, conv2dOutputShape } from '../ops/conv2d.ts';
import { createGroupNorm } from '../ops/group-norm.ts';
import { tensor, tensorBytes, type Kernel, type OpContext, type Tensor } from '../ops/kernel.ts';
import { createSwapAxes, swappedShape } from '../ops/swap-axes.ts';
import { createToRgba8 } from '../ops/to-rgba8.ts';
import { createUpsampleNearest2x, upsampleOutputShape } from '../ops/upsample-nearest2x.ts';
import { levelChannels, type ModelConfig } from './config.ts';
import type { GpuWeights } from './gpu-weights.ts';

/** Rewrites weights on upload so latent_scale needs no kernel of its own. */
export function foldLatentScale(config: ModelConfig) {
  const s = config.autoencoder?.latentScale ?? 1;
  return (name: string, values: Float32Array): Float32Array => {
    if (name === 'encoder.conv_out.weight' || name === 'encoder.conv_out.bias')
      return values.map((v) => v * s);
    if (name === 'decoder.conv_in.weight') return values.map((v) => v / s);
    return values;
  };
}

/** A chain of kernels over intermediates from the pool; `encode` replays it. */
class Chain {
  readonly kernels: Kernel[] = [];
  readonly buffers: GPUBuffer[] = [];
  constructor(
    readonly ctx: OpContext,
    readonly pool: BufferPool,
  ) {}

  tensor(name: string, shape: number[]): Tensor {
    const buffer = this.pool.acquire(tensorBytes(shape, 'f32'), name);
    this.buffers.push(buffer);
    return tensor(buffer, shape);
  }

  add(kernel: Kernel): void {
    this.kernels.push(kernel);
  }

  /** GroupNorm + SiLU, fused. */
  normSilu(weights: GpuWeights, prefix: string, x: Tensor, groups: number): Tensor {
    const y = this.tensor(prefix, [...x.shape]);
    const gamma = weights.get(`${prefix}.weight`);
    const beta = weights.get(`${prefix}.bias`);
    this.add(createGroupNorm(this.ctx, { x, gamma, beta, y, groups, silu: true, name: prefix }));
    return y;
  }

  conv(weights: GpuWeights, prefix: string, x: Tensor, stride: 1 | 2): Tensor {
    const weight = weights.get(`${prefix}.weight`);
    const y = this.tensor(prefix, conv2dOutputShape(x.shape, weight.shape[0]!, stride));
    this.add(
      createConv2d(this.ctx, { x, weight, bias: weights.get(`${prefix}.bias`), y, stride, name: prefix }),
    );
    return y;
  }

  swap(name: string, x: Tensor): Tensor {
    const y = this.tensor(name, swappedShape(x.shape));
    this.add(createSwapAxes(this.ctx, { x, y, name }));
    return y;
  }

  encode(encoder: GPUCommandEncoder, profiler?: GpuProfiler): void {
    for (const k of this.kernels) k.encode(encoder, profiler);
  }

  destroy(): void {
    for (const k of this.kernels) k.destroy();
    for (const b of this.buffers) this.pool.release(b);
    this.kernels.length = 0;
    this.buffers.length = 0;
  }
}

/** Decodes one latent clip (1, C, T, Hl, Wl) into RGBA8 frames (T, H, W). */
export class DecoderPlan {
  readonly latent: Tensor;
  /** (3, T, H, W) pixels in [-1, 1]. */
  readonly pixels: Tensor;
  /** T*H*W packed RGBA8 words. */
  readonly rgba: GPUBuffer;
  readonly #chain: Chain;

  constructor(ctx: OpContext, pool: BufferPool, config: ModelConfig, weights: GpuWeights) {
    const ae = config.autoencoder;
    if (!ae) throw new Error(`model ${config.id} has no autoencoder to decode with`);
    const chain = (this.#chain = new Chain(ctx, pool));
    const { channels: C, frames: T, height: Hl, width: Wl } = config.latent;
    this.latent = chain.tensor('decoder.latent', [1, C, T, Hl, Wl]);
    const frames = chain.swap('decoder.frames', this.latent); // (1, T, C, Hl, Wl)
    let x = chain.conv(weights, 'decoder.conv_in', tensor(frames.buffer, [T, C, Hl, Wl]), 1);
    levelChannels(ae.hidden)
      .reverse()
      .forEach((_, i) => {
        const normed = chain.normSilu(weights, `decoder.up.${i}.norm`, x, ae.groups);
        const up = chain.tensor(`decoder.up.${i}.upsample`, upsampleOutputShape(normed.shape));
        chain.add(createUpsampleNearest2x(ctx, { x: normed, y: up, name: `decoder.up.${i}.upsample` }));
        x = chain.conv(weights, `decoder.up.${i}.conv`, up, 1);
      });
    x = chain.conv(weights, 'decoder.conv_out', chain.normSilu(weights, 'decoder.norm_out', x, ae.groups), 1);
    const [, channels, H, W] = x.shape as [number, number, number, number]; // (T, 3, H, W)
    const clip = chain.swap('decoder.pixels', tensor(x.buffer, [1, T, channels, H * W])); // (1, 3, T, H*W)
    this.pixels = tensor(clip.buffer, [channels, T, H, W]);
    this.rgba = pool.acquire(T * H * W * 4, 'decoder.rgba');
    chain.buffers.push(this.rgba);
    chain.add(createToRgba8(ctx, { x: this.pixels, rgba: this.rgba, name: 'decoder.to_rgba8' }));
  }

  encode(encoder: GPUCommandEncoder, profiler?: GpuProfiler): void {
    this.#chain.encode(encoder, profiler);
  }

  destroy(): void {
    this.#chain.destroy();
  }
}

/** Encodes up to `maxFrames` given frames (k, 3, H, W) in [-1, 1] into latents (k, C, Hl, Wl). */
export class EncoderPlan {
  readonly pixels: Tensor;
  readonly latent: Tensor;
  readonly #chain: Chain;

  constructor(ctx: OpContext, pool: BufferPool, config: ModelConfig, weights: GpuWeights, frames: number) {
    const ae = config.autoencoder;
    if (!ae) throw new Error(`model ${config.id} has no autoencoder to encode with`);
    const chain = (this.#chain = new Chain(ctx, pool));
    this.pixels = chain.tensor('encoder.pixels', [frames, config.channels, config.height, config.width]);
    let x = chain.conv(weights, 'encoder.conv_in', this.pixels, 1);
    levelChannels(ae.hidden).forEach((_, i) => {
      x = chain.conv(
        weights,
        `encoder.down.${i}.conv`,
        chain.normSilu(weights, `encoder.down.${i}.norm`, x, ae.groups),
        2,
      );
    });
    this.latent = chain.conv(
      weights,
      'encoder.conv_out',
      chain.normSilu(weights, 'encoder.norm_out', x, ae.groups),
      1,
    );
  }

  encode(encoder: GPUCommandEncoder, profiler?: GpuProfiler): void {
    this.#chain.encode(encoder, profiler);
  }

  destroy(): void {
    this.#chain.destroy();
  }
}

/** RGBA8 frames → (k, 3, H, W) floats in [-1, 1], the encoder's input layout. */
export function rgbaToPlanes(rgba: Uint8Array, frames: number, height: number, width: number): Float32Array {
  const plane = height * width;
  const out = new Float32Array(frames * 3 * plane);
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) out[(f * 3 + c) * plane + p] = rgba[(f * plane + p) * 4 + c]! / 127.5 - 1;
    }
  }
  return out;
}
