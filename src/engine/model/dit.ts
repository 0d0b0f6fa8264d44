// The DiT forward on the GPU, composed from the kernels in ../ops, name for name as
// training/tessera/model.py (and ./reference/dit.ts, its float64 mirror).
// Built once per (model, batch): every buffer, bind group and uniform exists before the first
// step; a step only encodes. Shapes live in uniforms, so another frame count rebuilds bind
// groups, never pipelines. With `dtype` f16 (adapters with shader-f16) weights, activations and
// math are f16 inside; input, t, pooled prompt and velocity stay f32 at the boundary.

import type { GpuProfiler } from '../gpu/profiler.ts';
import type { BufferPool } from '../gpu/buffer-pool.ts';
import { createAdd } from '../ops/add.ts';
import { createAttention } from '../ops/attention.ts';
import { createCast } from '../ops/cast.ts';
import {
  reshape,
  tensor,
  tensorBytes,
  type Dtype,
  type Kernel,
  type OpContext,
  type Tensor,
} from '../ops/kernel.ts';
import { createLayerNormModulate } from '../ops/layernorm-modulate.ts';
import { createMatmul, type MatmulEpilogue } from '../ops/matmul.ts';
import { createPatchify, createUnpatchify } from '../ops/patchify.ts';
import { createSilu } from '../ops/silu.ts';
import { createTimestepEmbedding } from '../ops/timestep-embedding.ts';
import { FREQUENCY_DIM, type ModelConfig } from './config.ts';
import { hostBytes, type GpuWeights } from './gpu-weights.ts';
import { posEmbed3d } from './reference/embeddings.ts';
import { LN_EPS } from './reference/dit.ts';

/** Host-side inputs of one forward pass. */
export interface DitInputs {
  /** (B, Cin, T, H, W) f32: x_t, then context latent and mask channels when the model has them. */
  readonly input: Tensor;
  /** (B) f32 timesteps in [0, 1]. */
  readonly t: Tensor;
  /** (B, D) f32 pooled prompt embeddings (mean of token rows, before y_embedder.mlp). */
  readonly pooled: Tensor;
}

export class DitPlan implements DitInputs {
  readonly input: Tensor;
  readonly t: Tensor;
  readonly pooled: Tensor;
  /** (B, C, T, H, W) */
  readonly velocity: Tensor;
  /** (B, L, 3D): the attention projection of the block last run (see encode's stopAfter). */
  readonly qkv: Tensor;
  readonly batch: number;
  readonly dtype: Dtype;
  readonly #kernels: Kernel[] = [];
  readonly #buffers: GPUBuffer[] = [];
  readonly #pool: BufferPool;
  /** Named intermediates, for tests against the golden activations. */
  readonly activations = new Map<string, Tensor>();

  constructor(
    ctx: OpContext,
    pool: BufferPool,
    config: ModelConfig,
    weights: GpuWeights,
    batch: number,
    dtype: Dtype = 'f32',
  ) {
    this.#pool = pool;
    this.batch = batch;
    this.dtype = dtype;
    const B = batch;
    const D = config.dim;
    const L = config.tokens;
    const { channels: C, frames: T, height: H, width: W } = config.latent;
    const [pt, ph, pw] = config.patch;
    const w = (name: string) => weights.get(name);
    const buffer = (name: string, shape: number[]) => this.#tensor(name, shape, dtype);
    const kernel = (k: Kernel) => this.#kernels.push(k);
    /** An f32 boundary tensor and its working copy in `dtype` (the same tensor for f32). */
    const boundary = (name: string, shape: number[]): [Tensor, Tensor] => {
      const outer = this.#tensor(name, shape, 'f32');
      return [outer, dtype === 'f32' ? outer : this.#tensor(`${name}.${dtype}`, shape, dtype)];
    };
    const castIn = (outer: Tensor, inner: Tensor, name: string) => {
      if (inner !== outer) kernel(createCast(ctx, { x: outer, y: inner, name }));
    };
    const linear = (prefix: string, x: Tensor, y: Tensor, epilogue: MatmulEpilogue = 'bias') =>
      kernel(
        createMatmul(ctx, {
          x,
          w: w(`${prefix}.weight`),
          bias: w(`${prefix}.bias`),
          y,
          epilogue,
          name: prefix,
        }),
      );

    const [input, inputWork] = boundary('input', [B, config.inChannels, T, H, W]);
    const [pooled, pooledWork] = boundary('y_pooled', [B, D]);
    this.input = input;
    this.pooled = pooled;
    this.t = this.#tensor('t', [B], 'f32');
    castIn(input, inputWork, 'input.cast');
    castIn(pooled, pooledWork, 'y_pooled.cast');

    // x = x_embedder(x) + pos_embed  (B*L, D)
    const patchFeatures = config.inChannels * pt * ph * pw;
    const patches = buffer('patches', [B, L, patchFeatures]);
    kernel(
      createPatchify(ctx, { x: inputWork, y: patches, patch: config.patch, name: 'x_embedder.patchify' }),
    );
    const h = buffer('x', [B * L, D]);
    const projection = reshape(w('x_embedder.proj.weight'), [D, patchFeatures]);
    kernel(
      createMatmul(ctx, {
        x: reshape(patches, [B * L, patchFeatures]),
        w: projection,
        bias: w('x_embedder.proj.bias'),
        y: h,
        epilogue: 'bias',
        name: 'x_embedder.proj',
      }),
    );
    this.activations.set('x', reshape(h, [B, L, D])); // the residual stream, (B, L, D)
    const pos = this.#constant(ctx.device, 'pos_embed', [L, D], posEmbed3d(D, config.grid).data, dtype);
    kernel(createAdd(ctx, { y: reshape(h, [B, L, D]), b: pos, name: 'pos_embed' }));

    // c = t_embedder(t) + y_embedder(y)  (B, D)
    const tFreq = buffer('t_freq', [B, FREQUENCY_DIM]);
    kernel(createTimestepEmbedding(ctx, { t: this.t, y: tFreq, tScale: 1000, name: 't_embedder.freq' }));
    const hidden = buffer('embedder_hidden', [B, D]);
    const hiddenSilu = buffer('embedder_hidden_silu', [B, D]);
    const c = buffer('c', [B, D]);
    linear('t_embedder.mlp.0', tFreq, hidden);
    kernel(createSilu(ctx, { x: hidden, y: hiddenSilu, name: 't_embedder.mlp.1' }));
    linear('t_embedder.mlp.2', hiddenSilu, c);
    this.activations.set('c', c);
    const yEmb = buffer('y_embedder', [B, D]);
    linear('y_embedder.mlp.0', pooledWork, hidden);
    kernel(createSilu(ctx, { x: hidden, y: hiddenSilu, name: 'y_embedder.mlp.1' }));
    linear('y_embedder.mlp.2', hiddenSilu, yEmb);
    kernel(createAdd(ctx, { y: c, b: yEmb, name: 'c' }));
    const cSilu = buffer('c_silu', [B, D]);
    kernel(createSilu(ctx, { x: c, y: cSilu, name: 'adaLN.silu' }));

    // blocks  (B*L, D)
    const normed = buffer('normed', [B, L, D]);
    const qkv = buffer('qkv', [B, L, 3 * D]);
    this.qkv = qkv;
    const attended = buffer('attended', [B, L, D]);
    const mlpHidden = buffer('mlp_hidden', [B * L, config.mlpHidden]);
    const flat = (t: Tensor) => reshape(t, [B * L, t.shape[t.shape.length - 1]!]);
    for (let i = 0; i < config.depth; i++) {
      const p = `blocks.${i}`;
      const mod = buffer(`${p}.adaLN_modulation`, [B, 6 * D]); // shift, scale, gate (msa), then (mlp)
      linear(`${p}.adaLN_modulation.1`, cSilu, mod);
      const column = (k: number) => ({ tensor: mod, column: k * D });
      kernel(
        createLayerNormModulate(ctx, {
          x: reshape(h, [B, L, D]),
          shift: column(0),
          scale: column(1),
          y: normed,
          eps: LN_EPS,
          name: `${p}.norm1`,
        }),
      );
      linear(`${p}.attn.qkv`, flat(normed), flat(qkv));
      kernel(createAttention(ctx, { qkv, out: attended, heads: config.heads, name: `${p}.attn` }));
      kernel(
        createMatmul(ctx, {
          x: flat(attended),
          w: w(`${p}.attn.proj.weight`),
          bias: w(`${p}.attn.proj.bias`),
          y: h,
          gate: column(2),
          tokensPerItem: L,
          epilogue: 'bias_gated_residual',
          name: `${p}.attn.proj`,
        }),
      );
      kernel(
        createLayerNormModulate(ctx, {
          x: reshape(h, [B, L, D]),
          shift: column(3),
          scale: column(4),
          y: normed,
          eps: LN_EPS,
          name: `${p}.norm2`,
        }),
      );
      linear(`${p}.mlp.fc1`, flat(normed), mlpHidden, 'bias_gelu');
      kernel(
        createMatmul(ctx, {
          x: mlpHidden,
          w: w(`${p}.mlp.fc2.weight`),
          bias: w(`${p}.mlp.fc2.bias`),
          y: h,
          gate: column(5),
          tokensPerItem: L,
          epilogue: 'bias_gated_residual',
          name: `${p}.mlp.fc2`,
        }),
      );
      this.activations.set(`${p}.adaLN_modulation`, mod);
    }

    // final_layer + unpatchify  (B, C, T, H, W)
    const finalMod = buffer('final_layer.adaLN_modulation', [B, 2 * D]);
    linear('final_layer.adaLN_modulation.1', cSilu, finalMod);
    kernel(
      createLayerNormModulate(ctx, {
        x: reshape(h, [B, L, D]),
        shift: { tensor: finalMod, column: 0 },
        scale: { tensor: finalMod, column: D },
        y: normed,
        eps: LN_EPS,
        name: 'final_layer.norm_final',
      }),
    );
    const out = buffer('final_layer', [B * L, config.patchDim]);
    linear('final_layer.linear', flat(normed), out);
    this.activations.set('final_layer', reshape(out, [B, L, config.patchDim]));
    const [velocity, velocityWork] = boundary('velocity', [B, C, T, H, W]);
    this.velocity = velocity;
    kernel(
      createUnpatchify(ctx, {
        x: reshape(out, [B, L, config.patchDim]),
        y: velocityWork,
        patch: config.patch,
        name: 'unpatchify',
      }),
    );
    if (velocityWork !== velocity)
      kernel(createCast(ctx, { x: velocityWork, y: velocity, name: 'velocity.cast' }));
  }

  /**
   * Encodes one forward pass: reads input, t, pooled; writes velocity. `stopAfter` ends it
   * after the dispatch of that name (e.g. `blocks.2.mlp.fc2`), to inspect an intermediate.
   */
  encode(encoder: GPUCommandEncoder, profiler?: GpuProfiler, stopAfter?: string): void {
    for (const k of this.#kernels) {
      k.encode(encoder, profiler);
      if (stopAfter && k.label.endsWith(` ${stopAfter}`)) return;
    }
    if (stopAfter) throw new Error(`no dispatch named ${stopAfter}`);
  }

  get kernelCount(): number {
    return this.#kernels.length;
  }

  destroy(): void {
    for (const k of this.#kernels) k.destroy();
    for (const b of this.#buffers) this.#pool.release(b);
    this.#kernels.length = 0;
    this.#buffers.length = 0;
  }

  #tensor(name: string, shape: number[], dtype: Dtype): Tensor {
    // Rounded up to 4 bytes: an odd count of halves is still a valid binding.
    const buffer = this.#pool.acquire(Math.ceil(tensorBytes(shape, dtype) / 4) * 4, name);
    this.#buffers.push(buffer);
    return tensor(buffer, shape, dtype);
  }

  #constant(
    device: GPUDevice,
    name: string,
    shape: number[],
    values: ArrayLike<number>,
    dtype: Dtype,
  ): Tensor {
    const t = this.#tensor(name, shape, dtype);
    const data = hostBytes(Float32Array.from(values), dtype);
    const bytes = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    device.queue.writeBuffer(t.buffer, 0, bytes);
    return t;
  }
}
