// The WGSL DiT (DitPlan) as a Denoiser: upload x, t and the pooled prompt, encode one forward,
// read the velocity back. Prompts are pooled on the CPU, as the Engine does. One plan and one
// readback buffer per batch size, built on first use and reused.

import { BufferPool } from '../gpu/buffer-pool.ts';
import { PipelineCache } from '../gpu/pipeline-cache.ts';
import { checkWeights, parseModelConfig, type ModelConfig } from '../model/config.ts';
import { DitPlan } from '../model/dit.ts';
import { uploadWeights, weightDtype, type GpuWeights } from '../model/gpu-weights.ts';
import { poolPrompt } from '../model/reference/ops.ts';
import { tensor as hostTensor, type Tensor as HostTensor } from '../model/reference/tensor.ts';
import { parseSafetensors } from '../model/safetensors.ts';
import type { Dtype, OpContext } from '../ops/kernel.ts';
import { checkDenoiserInputs, tokenRows, type Denoiser } from './denoiser.ts';

interface BatchPlan {
  dit: DitPlan;
  /** MAP_READ copy of the velocity. */
  staging: GPUBuffer;
}

export class WgslDenoiser implements Denoiser {
  readonly name = 'wgsl' as const;
  readonly config: ModelConfig;
  readonly #ctx: OpContext;
  readonly #weights: GpuWeights;
  readonly #pool: BufferPool;
  /** y_embedder.embedding_table (V, D) on the host, for pooling prompts. */
  readonly #table: HostTensor;
  readonly #plans = new Map<number, BatchPlan>();
  readonly #ownsWeights: boolean;
  #disposed = false;

  /** The DiT's working precision (inputs, pooled prompt and velocity stay f32 either way). */
  readonly dtype: Dtype;

  /**
   * Over weights already on `ctx.device`, uploaded for `dtype` (weightDtype); `ownsWeights`
   * hands them to dispose(). The pool holds this denoiser's intermediates, destroyed with it.
   */
  constructor(
    ctx: OpContext,
    config: ModelConfig,
    weights: GpuWeights,
    embeddingTable: Float32Array,
    { dtype = 'f32', ownsWeights = false }: { dtype?: Dtype; ownsWeights?: boolean } = {},
  ) {
    this.#ctx = ctx;
    this.config = config;
    this.#weights = weights;
    this.#pool = new BufferPool(ctx.device, `${config.id}:wgsl-denoiser`);
    this.#table = hostTensor([config.vocabSize, config.dim], embeddingTable);
    this.dtype = dtype;
    this.#ownsWeights = ownsWeights;
  }

  /**
   * Parses and checks config.json and model.safetensors, then uploads the weights. f32 by
   * default: the ONNX export is float32, so the two backends can be compared value for value.
   */
  static fromBytes(
    device: GPUDevice,
    configJson: unknown,
    weightBytes: Uint8Array | ArrayBuffer,
    dtype: Dtype = 'f32',
  ): WgslDenoiser {
    if (dtype === 'f16' && !device.features.has('shader-f16')) {
      throw new Error('f16 was asked for, but this device has no shader-f16 feature; use f32');
    }
    const config = parseModelConfig(configJson);
    const file = parseSafetensors(weightBytes);
    checkWeights(config, file);
    const ctx = { device, pipelines: new PipelineCache(device) };
    const weights = uploadWeights(device, config, file, undefined, weightDtype(dtype));
    const table = file.toFloat32('y_embedder.embedding_table.weight');
    return new WgslDenoiser(ctx, config, weights, table, { dtype, ownsWeights: true });
  }

  async predict(x: Float32Array, t: Float32Array, tokens: Int32Array): Promise<Float32Array> {
    if (this.#disposed) throw new Error('WgslDenoiser: predict after dispose');
    const n = checkDenoiserInputs(this.config, x, t, tokens);
    const { dit, staging } = this.#plan(n);
    const { device } = this.#ctx;
    const pooled = poolPrompt(this.#table, tokenRows(tokens, this.config.text.maxTokens)); // (N, D)
    // Copies: Dawn rejects writes from views of a SharedArrayBuffer (threaded wasm heaps are).
    device.queue.writeBuffer(dit.input.buffer, 0, new Float32Array(x));
    device.queue.writeBuffer(dit.t.buffer, 0, new Float32Array(t));
    device.queue.writeBuffer(dit.pooled.buffer, 0, Float32Array.from(pooled.data));
    const encoder = device.createCommandEncoder({ label: `wgsl-denoiser:forward:${n}` });
    dit.encode(encoder);
    encoder.copyBufferToBuffer(dit.velocity.buffer, 0, staging, 0, staging.size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const velocity = new Float32Array(staging.getMappedRange().slice(0)); // (N, C, T, H, W)
    staging.unmap();
    return velocity;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const { dit, staging } of this.#plans.values()) {
      dit.destroy();
      staging.destroy();
    }
    this.#plans.clear();
    this.#pool.destroy();
    if (this.#ownsWeights) this.#weights.destroy();
  }

  #plan(batch: number): BatchPlan {
    let plan = this.#plans.get(batch);
    if (!plan) {
      const dit = new DitPlan(this.#ctx, this.#pool, this.config, this.#weights, batch, this.dtype);
      const { channels: C, frames: T, height: H, width: W } = this.config.latent;
      const staging = this.#ctx.device.createBuffer({
        label: `wgsl-denoiser:velocity-readback:${batch}`,
        size: batch * C * T * H * W * 4,
        usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
      });
      plan = { dit, staging };
      this.#plans.set(batch, plan);
    }
    return plan;
  }
}
