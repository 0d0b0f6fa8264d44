// Everything one generation needs on the GPU, built once per (model, batch) and reused:
// the DiT plan, the sampler's state, its update kernels, the decoder and the readback buffers.
// Batch 2 runs classifier-free guidance in one pass ([cond, uncond]); batch 1 is the
// conditional model alone (guidance 1, e.g. a distilled student with guidance baked in).
//
// One step, one command encoder:
//   input = [x, context * mask, mask]           context_channels
//   v     = DiT(input, t, prompt)               ~10 dispatches per block
//   x0    = x - t * guide(v)                    (copy + euler_step to t = 0), previews only
//   x     = x + (t_next - t) * guide(v)         euler_step
//   frames = decode(x0[0]) and decode(x[0])     previews only, then copied to mappable buffers

import type { BufferPool } from '../gpu/buffer-pool.ts';
import type { GpuProfiler } from '../gpu/profiler.ts';
import { DecoderPlan, EncoderPlan } from '../model/autoencoder-gpu.ts';
import type { ModelConfig } from '../model/config.ts';
import { DitPlan } from '../model/dit.ts';
import type { GpuWeights } from '../model/gpu-weights.ts';
import { createEulerStep, type EulerStepKernel } from '../ops/euler-step.ts';
import {
  numel,
  tensor,
  tensorBytes,
  type Dtype,
  type Kernel,
  type OpContext,
  type Tensor,
} from '../ops/kernel.ts';
import { createContextChannels, createReplaceContext } from '../ops/replace-context.ts';

export interface StepReadback {
  /** RGBA8 frames of the predicted clean clip, when asked for. */
  x0?: Uint8Array;
  /** RGBA8 frames of the noisy state after the step, when asked for. */
  xt?: Uint8Array;
  /** Latent-space tensors for statistics (first batch item), when asked for. */
  latents?: { x: Float32Array; x0: Float32Array };
}

export class GenerationPlan {
  readonly dit: DitPlan;
  readonly decoder: DecoderPlan | null;
  readonly encoder: EncoderPlan | null;
  readonly batch: number;
  /** (B, C, T, H, W): the sampler's state; with CFG both halves stay equal. */
  readonly x: Tensor;
  /** (1, C, T, H, W): the given frames' latents (zeros elsewhere). */
  readonly context: Tensor;
  readonly #x0: Tensor;
  readonly #step: EulerStepKernel;
  readonly #predictX0: EulerStepKernel;
  readonly #toInput: Kernel | null;
  readonly #replaceContext: Kernel;
  readonly #buffers: GPUBuffer[] = [];
  readonly #staging: { x0: GPUBuffer; xt: GPUBuffer; latents: GPUBuffer };
  readonly #pool: BufferPool;
  readonly #config: ModelConfig;
  readonly #kernels: Kernel[] = [];
  readonly #device: GPUDevice;
  readonly #t: Float32Array;

  /** `precision` is the DiT's; the sampler state and the autoencoder stay f32. */
  constructor(
    ctx: OpContext,
    pool: BufferPool,
    config: ModelConfig,
    weights: GpuWeights,
    batch: 1 | 2,
    precision: Dtype = 'f32',
  ) {
    this.#pool = pool;
    this.#config = config;
    this.#device = ctx.device;
    this.batch = batch;
    this.#t = new Float32Array(batch);
    const cfg = batch === 2;
    const { channels: C, frames: T, height: H, width: W } = config.latent;
    this.dit = new DitPlan(ctx, pool, config, weights, batch, precision);
    this.x = this.#tensor('sampler.x', [batch, C, T, H, W]);
    this.#x0 = this.#tensor('sampler.x0', [batch, C, T, H, W]);
    this.context = this.#tensor('sampler.context', [1, C, T, H, W]);
    const v = this.dit.velocity;
    this.#step = createEulerStep(ctx, { x: this.x, v, cfg, t: 1, tNext: 0, name: 'sampler.step' });
    this.#predictX0 = createEulerStep(ctx, { x: this.#x0, v, cfg, t: 1, tNext: 0, name: 'sampler.x0' });
    this.#toInput =
      config.context.maxFrames > 0
        ? createContextChannels(ctx, {
            x: this.x,
            context: this.context,
            y: this.dit.input,
            given: 0,
            name: 'sampler.input',
          })
        : null;
    this.#replaceContext = createReplaceContext(ctx, {
      x: this.x,
      context: this.context,
      given: 0,
      name: 'sampler.replace_context',
    });
    this.#kernels.push(this.#step, this.#predictX0, this.#replaceContext);
    if (this.#toInput) this.#kernels.push(this.#toInput);

    this.decoder = config.autoencoder ? new DecoderPlan(ctx, pool, config, weights) : null;
    this.encoder =
      config.autoencoder && config.context.maxFrames > 0
        ? new EncoderPlan(ctx, pool, config, weights, config.context.maxFrames)
        : null;
    const frameBytes = config.frames * config.height * config.width * 4;
    const mappable = (label: string, size: number) =>
      ctx.device.createBuffer({ label, size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    this.#staging = {
      x0: mappable('sampler.readback.x0', frameBytes),
      xt: mappable('sampler.readback.xt', frameBytes),
      latents: mappable('sampler.readback.latents', 2 * numel([C, T, H, W]) * 4),
    };
  }

  /** Sets the number of given context frames (their latents must already be in `context`). */
  setContextFrames(given: number): void {
    this.#toInput?.update({ given });
    this.#replaceContext.update({ given });
  }

  setGuidance(guidance: number): void {
    this.#step.update({ guidance });
    this.#predictX0.update({ guidance });
  }

  /** Encodes the step from t to tNext; `previews` adds decoding for the readback. */
  encodeStep(
    encoder: GPUCommandEncoder,
    t: number,
    tNext: number,
    want: { x0: boolean; xt: boolean; latents: boolean },
    profiler?: GpuProfiler,
  ): void {
    const bytes = tensorBytes(this.x.shape, 'f32');
    this.#encodeInput(encoder, t, profiler);
    this.dit.encode(encoder, profiler);
    const needX0 = want.x0 || want.latents;
    if (needX0) {
      encoder.copyBufferToBuffer(this.x.buffer, 0, this.#x0.buffer, 0, bytes);
      this.#predictX0.update({ t, t_next: 0 });
      this.#predictX0.encode(encoder, profiler);
    }
    if (want.latents) this.#encodeLatentCopy(encoder);
    this.#step.update({ t, t_next: tNext });
    this.#step.encode(encoder, profiler);
    if (want.x0) this.#encodeDecode(encoder, this.#x0, this.#staging.x0, profiler);
    if (want.xt) this.#encodeDecode(encoder, this.x, this.#staging.xt, profiler);
  }

  /**
   * Encodes the forward of the step at t only as far as the dispatch `stopAfter` (e.g.
   * `blocks.2.attn.qkv`), leaving the sampler's state as it was: the Inspector's probes.
   */
  encodeForwardUntil(encoder: GPUCommandEncoder, t: number, stopAfter: string): void {
    this.#encodeInput(encoder, t);
    this.dit.encode(encoder, undefined, stopAfter);
  }

  /** The DiT's input for the forward at t: x with the context channels, and t itself. */
  #encodeInput(encoder: GPUCommandEncoder, t: number, profiler?: GpuProfiler): void {
    // Queue writes land before the commands of the next submit: t for this step's forward.
    this.#device.queue.writeBuffer(this.dit.t.buffer, 0, this.#t.fill(t));
    this.#toInput?.encode(encoder, profiler);
    if (!this.#toInput) {
      encoder.copyBufferToBuffer(
        this.x.buffer,
        0,
        this.dit.input.buffer,
        0,
        tensorBytes(this.x.shape, 'f32'),
      );
    }
  }

  /** Puts the given frames back into the final state, then decodes it. */
  encodeFinish(encoder: GPUCommandEncoder, profiler?: GpuProfiler): void {
    this.#replaceContext.encode(encoder, profiler);
    this.#encodeDecode(encoder, this.x, this.#staging.xt, profiler);
  }

  /** Reads what encodeStep/encodeFinish copied out (after submit). */
  async read(want: { x0: boolean; xt: boolean; latents: boolean }): Promise<StepReadback> {
    const out: StepReadback = {};
    const reads: Promise<void>[] = [];
    const map = async (buffer: GPUBuffer, use: (bytes: ArrayBuffer) => void) => {
      await buffer.mapAsync(GPUMapMode.READ);
      use(buffer.getMappedRange().slice(0));
      buffer.unmap();
    };
    if (want.x0) reads.push(map(this.#staging.x0, (b) => (out.x0 = new Uint8Array(b))));
    if (want.xt) reads.push(map(this.#staging.xt, (b) => (out.xt = new Uint8Array(b))));
    if (want.latents) {
      reads.push(
        map(this.#staging.latents, (b) => {
          const n = b.byteLength / 8;
          out.latents = { x: new Float32Array(b, 0, n), x0: new Float32Array(b, n * 4, n) };
        }),
      );
    }
    await Promise.all(reads);
    return out;
  }

  /** The latent state after `encodeFinish` as floats (tests compare it with the golden run). */
  get finalLatent(): Tensor {
    return this.x;
  }

  destroy(): void {
    this.dit.destroy();
    this.decoder?.destroy();
    this.encoder?.destroy();
    for (const k of this.#kernels) k.destroy();
    for (const b of this.#buffers) this.#pool.release(b);
    for (const b of Object.values(this.#staging)) b.destroy();
    this.#buffers.length = 0;
  }

  #encodeDecode(
    encoder: GPUCommandEncoder,
    latent: Tensor,
    staging: GPUBuffer,
    profiler?: GpuProfiler,
  ): void {
    if (!this.decoder) throw new Error(`model ${this.#config.id} works on pixels: no decoder`);
    const oneClip = tensorBytes(this.decoder.latent.shape, 'f32');
    encoder.copyBufferToBuffer(latent.buffer, 0, this.decoder.latent.buffer, 0, oneClip);
    this.decoder.encode(encoder, profiler);
    encoder.copyBufferToBuffer(this.decoder.rgba, 0, staging, 0, staging.size);
  }

  /** x and x0 of the first batch item (the guided velocity is (x - x0) / t on the host). */
  #encodeLatentCopy(encoder: GPUCommandEncoder): void {
    const oneClip = tensorBytes(this.context.shape, 'f32');
    encoder.copyBufferToBuffer(this.x.buffer, 0, this.#staging.latents, 0, oneClip);
    encoder.copyBufferToBuffer(this.#x0.buffer, 0, this.#staging.latents, oneClip, oneClip);
  }

  #tensor(name: string, shape: number[]): Tensor {
    const buffer = this.#pool.acquire(tensorBytes(shape, 'f32'), name);
    this.#buffers.push(buffer);
    return tensor(buffer, shape);
  }
}
