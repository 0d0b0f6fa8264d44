// The engine: owns the GPU device, the loaded models and their generation plans, and turns a
// GenerationRequest into a Clip. Pure TypeScript with no DOM: the worker wraps it for the page,
// and Node tests drive it directly on Dawn.

import { DeviceLostError } from './errors.ts';
import { acquireGpu, type AdapterReport, type Gpu } from './gpu/device.ts';
import { BufferPool } from './gpu/buffer-pool.ts';
import { PipelineCache } from './gpu/pipeline-cache.ts';
import { GpuProfiler, type Profile } from './gpu/profiler.ts';
import { foldLatentScale, rgbaToPlanes } from './model/autoencoder-gpu.ts';
import { checkWeights, parseModelConfig, type ModelConfig } from './model/config.ts';
import { uploadWeights, weightDtype, type GpuWeights } from './model/gpu-weights.ts';
import type { Dtype } from './ops/kernel.ts';
import { poolPrompt } from './model/reference/ops.ts';
import { tensor as hostTensor, type Tensor as HostTensor } from './model/reference/tensor.ts';
import { f16ToF32, parseSafetensors } from './model/safetensors.ts';
import { attentionProbabilities } from './model/attention-map.ts';
import { nullTokens } from './model/tokenizer.ts';
import type {
  AttentionMaps,
  AttentionQuery,
  Clip,
  EngineStats,
  Frames,
  GenerationRequest,
  KernelTiming,
  ModelSummary,
  StepEvent,
  TensorStats,
} from './protocol.ts';
import { validateRequest, type ValidRequest } from './request.ts';
import { GenerationPlan, type StepReadback } from './sampler/generation-plan.ts';
import { gaussianNoise } from './sampler/prng.ts';
import { timesteps } from './sampler/schedule.ts';

export class GenerationCancelled extends Error {
  override name = 'GenerationCancelled';
  constructor() {
    super('Generation cancelled.');
  }
}

export class ModelNotLoadedError extends Error {
  override name = 'ModelNotLoadedError';
}

export interface EngineOptions {
  /** 'auto': f16 weights and math where the adapter has shader-f16, else f32. */
  precision?: 'auto' | Dtype;
}

interface LoadedModel {
  config: ModelConfig;
  precision: Dtype;
  weights: GpuWeights;
  pool: BufferPool;
  /** y_embedder.embedding_table on the host: prompts are pooled on the CPU, once per request. */
  embeddingTable: HostTensor;
  plans: Map<number, GenerationPlan>;
  parameters: number;
}

export type StepListener = (event: StepEvent) => void;

export class Engine {
  readonly #gpuSource: () => GPU | undefined;
  #gpu: Promise<Gpu> | null = null;
  #deviceState: EngineStats['deviceState'] = 'none';
  readonly #models = new Map<string, LoadedModel>();
  #pipelines: PipelineCache | null = null;
  #device: GPUDevice | null = null;
  #generating = false;
  #cancelRequested = false;

  readonly #precision: EngineOptions['precision'];

  /** `gpuSource` gives the WebGPU entry point (navigator.gpu); `shared` reuses a device. */
  constructor(gpuSource: () => GPU | undefined, shared?: Gpu, { precision = 'auto' }: EngineOptions = {}) {
    this.#gpuSource = gpuSource;
    this.#precision = precision;
    if (shared) this.#gpu = Promise.resolve(this.#adopt(shared));
  }

  #adopt(gpu: Gpu): Gpu {
    this.#deviceState = 'ready';
    this.#device = gpu.device;
    this.#pipelines = new PipelineCache(gpu.device);
    return gpu;
  }

  /** The device, acquired on first use and again after it was lost. */
  gpu(): Promise<Gpu> {
    this.#gpu ??= acquireGpu(this.#gpuSource(), (error) => this.#onLost(error)).then(
      (gpu) => this.#adopt(gpu),
      (error: unknown) => {
        this.#gpu = null;
        throw error;
      },
    );
    return this.#gpu;
  }

  async adapter(): Promise<AdapterReport> {
    return (await this.gpu()).report;
  }

  /** Builds a model from its config.json and weights; replaces a model of the same id. */
  async loadModelFromBytes(configJson: unknown, weights: Uint8Array | ArrayBuffer): Promise<ModelSummary> {
    const config = parseModelConfig(configJson);
    const file = parseSafetensors(weights);
    checkWeights(config, file);
    const { device } = await this.gpu();
    this.unloadModel(config.id);
    const hasF16 = device.features.has('shader-f16');
    if (this.#precision === 'f16' && !hasF16) {
      throw new Error('f16 was asked for, but this adapter has no shader-f16 feature; use f32 or auto');
    }
    const precision: Dtype = this.#precision === 'auto' ? (hasF16 ? 'f16' : 'f32') : this.#precision!;
    const gpuWeights = uploadWeights(device, config, file, foldLatentScale(config), weightDtype(precision));
    const pool = new BufferPool(device, config.id);
    const table = file.toFloat32('y_embedder.embedding_table.weight');
    const model: LoadedModel = {
      config,
      precision,
      weights: gpuWeights,
      pool,
      embeddingTable: hostTensor([config.vocabSize, config.dim], table),
      plans: new Map(),
      parameters: [...file.tensors.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0),
    };
    this.#models.set(config.id, model);
    // Build the guided plan now, so the first generation compiles nothing.
    this.#plan(model, 2);
    return this.#summary(model, gpuWeights.bytes, precision);
  }

  unloadModel(id: string): void {
    const model = this.#models.get(id);
    if (!model) return;
    for (const plan of model.plans.values()) plan.destroy();
    model.weights.destroy();
    model.pool.destroy();
    this.#models.delete(id);
  }

  /** Samples a clip; `onStep` hears every step. Rejects with GenerationCancelled on cancel(). */
  async generate(request: GenerationRequest, onStep: StepListener = () => {}): Promise<Clip> {
    if (this.#generating) throw new Error('A generation is already running; cancel it or wait for it.');
    const model = this.#loaded(request.modelId);
    const valid = validateRequest(request, model.config);
    this.#generating = true;
    this.#cancelRequested = false;
    try {
      return await this.#run(model, valid, onStep);
    } finally {
      this.#generating = false;
    }
  }

  /**
   * The attention probabilities of block `query.block` in the forward of step `query.step` of
   * `request`'s generation, for its prompt (not the unconditional half). Sampling is
   * deterministic, so the steps before are replayed; that forward stops at the block's qkv.
   */
  async attention(request: GenerationRequest, query: AttentionQuery): Promise<AttentionMaps> {
    if (this.#generating) throw new Error('A generation is already running; cancel it or wait for it.');
    const model = this.#loaded(request.modelId);
    const valid = validateRequest(request, model.config);
    const { config } = model;
    const { step, block } = query;
    if (!Number.isInteger(step) || step < 0 || step >= valid.steps) {
      throw new RangeError(`step must be an integer from 0 to ${valid.steps - 1}, not ${step}`);
    }
    if (!Number.isInteger(block) || block < 0 || block >= config.depth) {
      throw new RangeError(`block must be an integer from 0 to ${config.depth - 1}, not ${block}`);
    }
    this.#generating = true;
    try {
      const started = performance.now();
      const { device } = await this.gpu();
      const plan = this.#plan(model, valid.guidance !== 1 ? 2 : 1);
      this.#upload(device, model, plan, valid);
      const times = timesteps(valid.steps, config.schedule.shift);
      const none = { x0: false, xt: false, latents: false };
      // One submit per step: each step's t is a queue write that lands before its own commands.
      for (let i = 0; i < step; i++) {
        const encoder = device.createCommandEncoder({ label: `attention replay ${i}` });
        plan.encodeStep(encoder, times[i]!, times[i + 1]!, none);
        device.queue.submit([encoder.finish()]);
      }
      const qkv = plan.dit.qkv;
      const values = config.tokens * qkv.shape[2]!; // batch item 0: the prompt's half
      const bytes = values * (qkv.dtype === 'f16' ? 2 : 4);
      const staging = device.createBuffer({
        label: 'attention.readback',
        size: Math.ceil(bytes / 4) * 4,
        usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
      });
      try {
        const encoder = device.createCommandEncoder({ label: `attention step ${step} block ${block}` });
        plan.encodeForwardUntil(encoder, times[step]!, `blocks.${block}.attn.qkv`);
        encoder.copyBufferToBuffer(qkv.buffer, 0, staging, 0, staging.size);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        const raw = staging.getMappedRange().slice(0, bytes);
        staging.unmap();
        const floats =
          qkv.dtype === 'f16' ? Float32Array.from(new Uint16Array(raw), f16ToF32) : new Float32Array(raw);
        const [pt, ph, pw] = config.patch;
        const { frames: T, height: H, width: W } = config.latent;
        return {
          step,
          block,
          heads: config.heads,
          tokens: config.tokens,
          grid: [T / pt, H / ph, W / pw],
          patchPixels: [(pt * config.frames) / T, (ph * config.height) / H, (pw * config.width) / W],
          probabilities: attentionProbabilities(floats, config.tokens, config.dim, config.heads),
          milliseconds: performance.now() - started,
        };
      } finally {
        staging.destroy();
      }
    } finally {
      this.#generating = false;
    }
  }

  #loaded(id: string): LoadedModel {
    const model = this.#models.get(id);
    if (model) return model;
    const loaded = [...this.#models.keys()];
    throw new ModelNotLoadedError(
      `model "${id}" is not loaded${loaded.length ? ` (loaded: ${loaded.join(', ')})` : ''}`,
    );
  }

  /** Stops the running generation after its current step. */
  cancel(): void {
    if (this.#generating) this.#cancelRequested = true;
  }

  stats(): EngineStats {
    let bufferBytes = 0;
    for (const m of this.#models.values()) bufferBytes += m.pool.bytesAllocated + m.weights.bytes;
    return {
      deviceState: this.#deviceState,
      loadedModels: [...this.#models.keys()],
      bufferBytes,
      pipelines: this.#pipelines?.size ?? 0,
      generating: this.#generating,
    };
  }

  /** Bytes of intermediates in use per model (a leak test: back to the plans' own after a run). */
  poolBytesInUse(id: string): number {
    return this.#models.get(id)?.pool.bytesInUse ?? 0;
  }

  destroy(): void {
    for (const id of [...this.#models.keys()]) this.unloadModel(id);
    void this.#gpu?.then((gpu) => gpu.device.destroy());
    this.#gpu = null;
  }

  async #run(model: LoadedModel, request: ValidRequest, onStep: StepListener): Promise<Clip> {
    const { device } = await this.gpu();
    const { config } = model;
    const guided = request.guidance !== 1;
    const plan = this.#plan(model, guided ? 2 : 1);
    const profiler = request.trace ? new GpuProfiler(device, { maxPasses: 512 }) : null;
    try {
      this.#upload(device, model, plan, request);
      const times = timesteps(request.steps, config.schedule.shift);
      const want = {
        x0: request.preview === 'x0' || request.preview === 'both',
        xt: request.preview === 'both',
        latents: Boolean(request.trace),
      };
      const stepMilliseconds: number[] = [];
      const started = performance.now();
      for (let i = 0; i < request.steps; i++) {
        if (this.#cancelRequested) throw new GenerationCancelled();
        const t = times[i]!;
        const tNext = times[i + 1]!;
        const stepStart = performance.now();
        const encoder = device.createCommandEncoder({ label: `step ${i}` });
        plan.encodeStep(encoder, t, tNext, want, profiler ?? undefined);
        profiler?.resolve(encoder);
        device.queue.submit([encoder.finish()]);
        const readback = await plan.read(want);
        await device.queue.onSubmittedWorkDone();
        const milliseconds = performance.now() - stepStart;
        stepMilliseconds.push(milliseconds);
        const profile = profiler ? await profiler.read() : null;
        onStep(this.#stepEvent(config, i, request.steps, t, tNext, milliseconds, readback, profile));
      }
      if (this.#cancelRequested) throw new GenerationCancelled();
      const encoder = device.createCommandEncoder({ label: 'finish' });
      plan.encodeFinish(encoder);
      device.queue.submit([encoder.finish()]);
      const { xt } = await plan.read({ x0: false, xt: true, latents: false });
      return {
        rgba: xt!,
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
          backend: 'wgsl',
        },
        milliseconds: performance.now() - started,
        stepMilliseconds,
      };
    } finally {
      profiler?.destroy();
    }
  }

  /** Noise, prompt, timesteps' guidance and context for this request (the only uploads of a run). */
  #upload(device: GPUDevice, model: LoadedModel, plan: GenerationPlan, request: ValidRequest): void {
    const { config } = model;
    const { channels: C, frames: T, height: H, width: W } = config.latent;
    const clip = C * T * H * W;
    const noise = gaussianNoise(request.seed, clip);
    for (let b = 0; b < plan.batch; b++) device.queue.writeBuffer(plan.x.buffer, b * clip * 4, noise);
    const prompts = plan.batch === 2 ? [request.tokens, nullTokens(config.text.maxTokens)] : [request.tokens];
    device.queue.writeBuffer(
      plan.dit.pooled.buffer,
      0,
      Float32Array.from(poolPrompt(model.embeddingTable, prompts).data),
    );
    plan.setGuidance(request.guidance);

    device.queue.writeBuffer(plan.context.buffer, 0, new Float32Array(clip));
    plan.setContextFrames(request.contextFrames);
    if (request.context && request.contextFrames > 0) {
      const encoderPlan = plan.encoder;
      if (!encoderPlan) throw new Error(`model ${config.id} cannot encode context frames`);
      const { frameCount, height, width } = request.context;
      const pixels = new Float32Array(encoderPlan.pixels.shape.reduce((a, b) => a * b, 1));
      pixels.set(rgbaToPlanes(request.context.rgba, frameCount, height, width));
      device.queue.writeBuffer(encoderPlan.pixels.buffer, 0, pixels);
      const encoder = device.createCommandEncoder({ label: 'context' });
      encoderPlan.encode(encoder);
      // (k, C, H, W) latents → frames 0..k-1 of the (1, C, T, H, W) context, channel by channel.
      const plane = H * W * 4;
      for (let f = 0; f < frameCount; f++) {
        for (let c = 0; c < C; c++) {
          encoder.copyBufferToBuffer(
            encoderPlan.latent.buffer,
            (f * C + c) * plane,
            plan.context.buffer,
            (c * T + f) * plane,
            plane,
          );
        }
      }
      device.queue.submit([encoder.finish()]);
    }
  }

  #plan(model: LoadedModel, batch: 1 | 2): GenerationPlan {
    let plan = model.plans.get(batch);
    if (!plan) {
      if (!this.#device || !this.#pipelines) throw new Error('no GPU device');
      const ctx = { device: this.#device, pipelines: this.#pipelines };
      plan = new GenerationPlan(ctx, model.pool, model.config, model.weights, batch, model.precision);
      model.plans.set(batch, plan);
    }
    return plan;
  }

  #stepEvent(
    config: ModelConfig,
    step: number,
    steps: number,
    t: number,
    tNext: number,
    milliseconds: number,
    readback: StepReadback,
    profile: Profile | null,
  ): StepEvent {
    const frames = (rgba: Uint8Array): Frames => ({
      rgba,
      frameCount: config.frames,
      width: config.width,
      height: config.height,
    });
    const event: StepEvent = { step, steps, t, tNext, milliseconds };
    if (readback.x0) event.x0 = frames(readback.x0);
    if (readback.xt) event.xt = frames(readback.xt);
    if (readback.latents) {
      const { x, x0 } = readback.latents;
      const velocity = x.map((v, i) => (t > 0 ? (v - x0[i]!) / t : 0));
      event.stats = { x: statistics(x), velocity: statistics(velocity), x0: statistics(x0) };
    }
    if (profile && profile.passes.length > 0) {
      event.gpuMilliseconds = profile.passes.reduce((ms, p) => ms + p.durationNs / 1e6, 0);
      event.kernels = profile.totals.map((k): KernelTiming => ({
        kernel: k.kernel,
        calls: k.passes,
        milliseconds: k.totalNs / 1e6,
      }));
    }
    return event;
  }

  #onLost(error: DeviceLostError): void {
    this.#deviceState = 'lost';
    this.#gpu = null;
    this.#device = null;
    this.#pipelines = null;
    // GPU objects died with the device; the next load rebuilds them.
    this.#models.clear();
    this.lastLoss = error;
  }

  /** The last device loss, for the UI to explain. */
  lastLoss: DeviceLostError | null = null;

  #summary(model: LoadedModel, weightBytes: number, precision: 'f16' | 'f32'): ModelSummary {
    return modelSummary(model.config, model.parameters, precision, weightBytes);
  }
}

/** What the page is told about a loaded model; `precision` is what its backend computes in. */
export function modelSummary(
  c: ModelConfig,
  parameters: number,
  precision: 'f16' | 'f32',
  weightBytes: number,
): ModelSummary {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    frames: c.frames,
    width: c.width,
    height: c.height,
    fps: c.fps,
    vocabulary: c.text.vocabulary,
    maxTokens: c.text.maxTokens,
    contextFrames: c.context.maxFrames,
    defaultSteps: c.schedule.defaultSteps,
    supportedSteps: c.schedule.supportedSteps,
    defaultGuidance: c.guidance.default,
    teacher: c.teacher,
    parameters,
    depth: c.depth,
    heads: c.heads,
    precision,
    weightBytes,
  };
}

export function statistics(values: ArrayLike<number>): TensorStats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length), min, max };
}
