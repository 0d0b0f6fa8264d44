// Which backend a generation runs on, and the onnxruntime-web half of running it. The worker
// routes 'wgsl' to the Engine; 'onnx-webgpu' and 'onnx-wasm' go to a HostGenerator built here
// on first use per (model, provider) from the model's kept bytes and its model.onnx, which is
// fetched (and cached) only then. `measure` times one forward of each backend on this device,
// the numbers 'auto' rests on; the page remembers the choice (the worker has no localStorage).

import { GenerationCancelled } from '../engine.ts';
import { BackendUnavailableError } from '../errors.ts';
import type { ModelConfig } from '../model/config.ts';
import type {
  Backend,
  BackendChoice,
  Clip,
  GenerationRequest,
  LoadProgress,
  StepEvent,
} from '../protocol.ts';
import { checkBackend } from '../request.ts';
import type { Denoiser } from './denoiser.ts';
import type { OnnxProvider } from './onnx.ts';

/** What a model needs to run off the Engine: its config and the weights (for the autoencoder). */
export interface HostModel {
  readonly config: ModelConfig;
  readonly configJson: unknown;
  readonly weights: Uint8Array;
}

/** The part of HostGenerator the router uses. */
export interface HostRunner {
  readonly denoiser: Denoiser;
  generate(request: GenerationRequest, onStep?: (event: StepEvent) => void): Promise<Clip>;
  cancel(): void;
  dispose(): void;
}

export interface Environment {
  /** The Engine has a device (a GPU adapter was granted). */
  readonly gpuOk: boolean;
  /** Why it has none, when it has none: the sentence to pass on. */
  readonly gpuProblem?: string | null;
}

/** Backends that can run `config` here, fastest-first by rule of thumb (WGSL, then ORT). */
export function availableBackends(config: ModelConfig, { gpuOk }: Environment): Backend[] {
  const onnx = config.onnx !== null;
  if (gpuOk) return onnx ? ['wgsl', 'onnx-webgpu', 'onnx-wasm'] : ['wgsl'];
  return onnx ? ['onnx-wasm'] : [];
}

/**
 * The backend a request runs on. 'auto' (or none) without a page's measurement: WGSL where the
 * Engine has a GPU, else onnx-wasm. A named backend that cannot run here fails with a sentence.
 */
export function resolveBackend(
  choice: BackendChoice | undefined,
  config: ModelConfig,
  environment: Environment,
): Backend {
  checkBackend(choice);
  const available = availableBackends(config, environment);
  const noGpu = environment.gpuProblem ? ` (${environment.gpuProblem})` : '';
  if (choice === undefined || choice === 'auto') {
    const pick = available[0];
    if (pick) return pick;
    throw new BackendUnavailableError(
      `model "${config.id}" ships no model.onnx, and without a GPU${noGpu} the WGSL engine cannot run it`,
    );
  }
  if (available.includes(choice)) return choice;
  if (choice !== 'wgsl' && config.onnx === null) {
    throw new BackendUnavailableError(
      `model "${config.id}" ships no model.onnx, so ${choice} cannot run it; use wgsl`,
    );
  }
  throw new BackendUnavailableError(
    `${choice} needs a WebGPU device, which this browser did not grant${noGpu}; use onnx-wasm`,
  );
}

/** The provider of an onnxruntime backend. */
export function providerOf(backend: Exclude<Backend, 'wgsl'>): OnnxProvider {
  return backend === 'onnx-webgpu' ? 'webgpu' : 'wasm';
}

/** One forward of each backend on this device; what failed, with why. */
export interface BackendTimings {
  modelId: string;
  /** Median milliseconds of one guided step's forward (batch 2), warm-up excluded. */
  milliseconds: Partial<Record<Backend, number>>;
  problems: Partial<Record<Backend, string>>;
}

export interface HostBackendsOptions {
  /** model.onnx of `model`, verified against config.onnx.sha256 (and cached). */
  onnxBytes(model: HostModel, onProgress: (p: LoadProgress) => void): Promise<Uint8Array>;
  /** A generator over an ORT session with `provider` (HostGenerator.create after loadOrt). */
  createHost(model: HostModel, provider: OnnxProvider, onnx: Uint8Array): Promise<HostRunner>;
  /** Median ms of a forward (timeForward); injected so tests need no runtime. */
  timeForward(denoiser: Denoiser): Promise<number>;
}

export class HostBackends {
  readonly #options: HostBackendsOptions;
  readonly #hosts = new Map<string, Promise<HostRunner>>();
  #active: HostRunner | null = null;
  #running = false;
  #cancelRequested = false;

  constructor(options: HostBackendsOptions) {
    this.#options = options;
  }

  /** The generator for (model, backend), built once; a build that fails is not kept. */
  host(
    model: HostModel,
    backend: Exclude<Backend, 'wgsl'>,
    onProgress: (p: LoadProgress) => void = () => {},
  ): Promise<HostRunner> {
    const key = `${model.config.id}:${backend}`;
    let host = this.#hosts.get(key);
    if (!host) {
      if (model.config.onnx === null) {
        return Promise.reject(
          new BackendUnavailableError(
            `model "${model.config.id}" ships no model.onnx, so ${backend} cannot run it`,
          ),
        );
      }
      host = (async () => {
        const onnx = await this.#options.onnxBytes(model, onProgress);
        onProgress({ phase: 'compile', loadedBytes: onnx.byteLength, totalBytes: onnx.byteLength });
        return this.#options.createHost(model, providerOf(backend), onnx);
      })();
      this.#hosts.set(key, host);
      host.catch(() => this.#hosts.delete(key));
    }
    return host;
  }

  /** Generates on (model, backend); rejects with GenerationCancelled after cancel(). */
  async generate(
    model: HostModel,
    backend: Exclude<Backend, 'wgsl'>,
    request: GenerationRequest,
    onStep: (event: StepEvent) => void,
  ): Promise<Clip> {
    if (this.#running) throw new Error('A generation is already running; cancel it or wait for it.');
    this.#running = true;
    this.#cancelRequested = false;
    try {
      const host = await this.host(model, backend);
      if (this.#cancelRequested) throw new GenerationCancelled();
      this.#active = host;
      return await host.generate(request, onStep);
    } finally {
      this.#active = null;
      this.#running = false;
    }
  }

  /** Stops the running generation (also one still waiting for its model.onnx or session). */
  cancel(): void {
    if (!this.#running) return;
    this.#cancelRequested = true;
    this.#active?.cancel();
  }

  /**
   * Times one forward of each of `backends` (after a warm-up one); `timeWgsl` times the WGSL
   * DiT. A backend that fails to build or run is reported with its reason, not thrown.
   */
  async measure(
    model: HostModel,
    backends: readonly Backend[],
    timeWgsl: () => Promise<number>,
    onProgress: (p: LoadProgress) => void = () => {},
  ): Promise<BackendTimings> {
    const timings: BackendTimings = { modelId: model.config.id, milliseconds: {}, problems: {} };
    for (const backend of backends) {
      try {
        timings.milliseconds[backend] =
          backend === 'wgsl'
            ? await timeWgsl()
            : await this.#options.timeForward((await this.host(model, backend, onProgress)).denoiser);
      } catch (error) {
        timings.problems[backend] = error instanceof Error ? error.message : String(error);
      }
    }
    return timings;
  }

  /** Frees the generators of one model (its bytes were replaced), or of every model. */
  forget(modelId?: string): void {
    for (const [key, host] of [...this.#hosts]) {
      if (modelId !== undefined && !key.startsWith(`${modelId}:`)) continue;
      this.#hosts.delete(key);
      void host.then((h) => h.dispose()).catch(() => {});
    }
  }
}
