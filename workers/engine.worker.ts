// The engine's worker: owns the GPUDevice and the model cache; the page talks to it only
// through comlink. Frames go back transferred, never copied. A generation runs on the WGSL
// Engine or, by the request's backend, on onnxruntime-web (src/engine/backends/router.ts);
// without WebGPU, models still load and generate on its wasm kernels.
import * as Comlink from 'comlink';
import { HostGenerator, timeForward } from '../src/engine/backends/host-generator.ts';
import { loadOrt } from '../src/engine/backends/ort-loader.ts';
import {
  availableBackends,
  HostBackends,
  resolveBackend,
  type BackendTimings,
  type Environment,
  type HostModel,
} from '../src/engine/backends/router.ts';
import { WgslDenoiser } from '../src/engine/backends/wgsl.ts';
import { Engine, ModelNotLoadedError, modelSummary } from '../src/engine/engine.ts';
import type { AdapterReport } from '../src/engine/gpu/device.ts';
import { checkWeights, parseModelConfig, type ModelConfig } from '../src/engine/model/config.ts';
import { parseSafetensors } from '../src/engine/model/safetensors.ts';
import type {
  AttentionMaps,
  AttentionQuery,
  Backend,
  Clip,
  EngineStats,
  GenerationRequest,
  LoadProgress,
  ModelSummary,
  StepEvent,
} from '../src/engine/protocol.ts';
import { checkBackend } from '../src/engine/request.ts';
import { runSelfTest, type SelfTestResult } from '../src/engine/self-test.ts';
import { ModelCache } from '../src/storage/models.ts';

export type GpuStatus =
  | { ok: true; adapter: AdapterReport; selfTest: SelfTestResult }
  | { ok: false; error: { name: string; message: string } };

/** What a load reports besides the model: where it came from, why it was not cached, where it runs. */
export interface LoadedModelSummary extends ModelSummary {
  origin: 'cache' | 'network' | 'file';
  cacheProblem: string | null;
  storeError: string | null;
  /** Backends that can run it here, WGSL first where there is a GPU. */
  backends: Backend[];
}

export type { BackendTimings };

const engine = new Engine(() => self.navigator.gpu);
// Same-origin model paths resolve against the app's base, not this worker's URL.
const cache = new ModelCache({ pageUrl: new URL(import.meta.env.BASE_URL, self.location.origin).href });
/**
 * Each loaded model's bytes, kept so a lost device can be rebuilt without the network and an
 * onnxruntime backend can be built later; `baseUrl` is where its model.onnx is, when asked for.
 */
const sources = new Map<
  string,
  {
    config: unknown;
    parsed: ModelConfig;
    bytes: Uint8Array;
    baseUrl: string | null;
    precision: 'f16' | 'f32';
  }
>();

const hosts = new HostBackends({
  async onnxBytes(model, onProgress) {
    const baseUrl = sources.get(model.config.id)?.baseUrl;
    const loaded = await cache.loadFile(model.config.id, 'model.onnx', {
      ...(baseUrl ? { source: { kind: 'url', baseUrl } as const } : {}),
      sha256: model.config.onnx!.sha256,
      onProgress: (p) => onProgress({ ...p, phase: STORAGE_PHASES[p.phase] ?? 'download' }),
    });
    return loaded.bytes;
  },
  createHost: async (model, provider, onnx) =>
    HostGenerator.create(await loadOrt(provider), model.configJson, model.weights, onnx, provider),
  // One warm-up forward and one timed: enough to tell backends apart by their large ratios.
  timeForward: (denoiser) => timeForward(denoiser, 1),
});

function hostModel(id: string): HostModel {
  const source = sources.get(id);
  if (!source) throw new ModelNotLoadedError(`model "${id}" is not loaded`);
  return { config: source.parsed, configJson: source.config, weights: source.bytes };
}

/** Whether the Engine has a device, and why not when it has none. */
async function environment(): Promise<Environment> {
  try {
    await engine.gpu();
    return { gpuOk: true };
  } catch (error) {
    return { gpuOk: false, gpuProblem: errorInfo(error).message };
  }
}

function errorInfo(error: unknown): { name: string; message: string } {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return { name, message };
}

const STORAGE_PHASES: Record<string, LoadProgress['phase']> = {
  download: 'download',
  'read-file': 'download',
  'read-cache': 'cache',
};

async function build(
  id: string,
  loaded: Awaited<ReturnType<ModelCache['loadModel']>>,
  onProgress: (p: LoadProgress) => void,
  baseUrl: string | null,
): Promise<LoadedModelSummary> {
  const parsed = parseModelConfig(loaded.config);
  if (parsed.id !== id) throw new Error(`the model at this address calls itself "${parsed.id}", not "${id}"`);
  const env = await environment();
  let summary: ModelSummary;
  if (env.gpuOk) {
    onProgress({
      phase: 'upload',
      loadedBytes: loaded.bytes.byteLength,
      totalBytes: loaded.bytes.byteLength,
    });
    summary = await engine.loadModelFromBytes(loaded.config, loaded.bytes);
  } else {
    // No GPU: checked and kept for onnxruntime's wasm backend (model.onnx comes when it runs).
    const file = parseSafetensors(loaded.bytes);
    checkWeights(parsed, file);
    let parameters = 0;
    for (const t of file.tensors.values()) parameters += t.shape.reduce((a, b) => a * b, 1);
    summary = modelSummary(parsed, parameters, 'f32', loaded.bytes.byteLength);
  }
  hosts.forget(id); // sessions built from the bytes this load replaces
  sources.set(id, {
    config: loaded.config,
    parsed,
    bytes: loaded.bytes,
    baseUrl,
    precision: summary.precision,
  });
  return {
    ...summary,
    origin: loaded.origin,
    cacheProblem: loaded.cacheProblem,
    storeError: loaded.storeError?.message ?? null,
    backends: availableBackends(parsed, env),
  };
}

const api = {
  /** Acquires the device, reports the adapter and runs one kernel against its CPU reference. */
  async gpuStatus(): Promise<GpuStatus> {
    try {
      const { device, report } = await engine.gpu();
      return { ok: true, adapter: report, selfTest: await runSelfTest(device) };
    } catch (error) {
      return { ok: false, error: errorInfo(error) };
    }
  },

  /** Loads a model folder (config.json + model.safetensors) from the cache or the network. */
  async loadModel(
    modelId: string,
    baseUrl: string,
    onProgress: (p: LoadProgress) => void = () => {},
  ): Promise<LoadedModelSummary> {
    const loaded = await cache.loadModel(modelId, {
      source: { kind: 'url', baseUrl },
      onProgress: (p) => onProgress({ ...p, phase: STORAGE_PHASES[p.phase] ?? 'download' }),
    });
    return build(modelId, loaded, onProgress, baseUrl);
  },

  /** Loads a model the user picked from disk; the returned sha256 is shown for them to check. */
  async loadModelFile(
    weights: Blob,
    config: Blob,
    onProgress: (p: LoadProgress) => void = () => {},
  ): Promise<LoadedModelSummary & { sha256: string }> {
    const configJson = JSON.parse(await config.text()) as { id?: unknown };
    const id = typeof configJson.id === 'string' ? configJson.id : '';
    const loaded = await cache.loadModel(id, {
      source: { kind: 'file', weights, config: configJson as Record<string, unknown> },
      onProgress: (p) => onProgress({ ...p, phase: STORAGE_PHASES[p.phase] ?? 'download' }),
    });
    return { ...(await build(id, loaded, onProgress, null)), sha256: loaded.sha256 };
  },

  async generate(request: GenerationRequest, onStep: (event: StepEvent) => void = () => {}): Promise<Clip> {
    const forward = (event: StepEvent) => {
      const buffers = [event.x0?.rgba.buffer, event.xt?.rgba.buffer].filter((b): b is ArrayBuffer => !!b);
      onStep(Comlink.transfer(event, buffers));
    };
    checkBackend(request.backend);
    const loaded = sources.get(request.modelId);
    const backend = loaded ? resolveBackend(request.backend, loaded.parsed, await environment()) : 'wgsl';
    let clip: Clip;
    if (backend !== 'wgsl') {
      clip = await hosts.generate(hostModel(request.modelId), backend, request, forward);
      return Comlink.transfer(clip, [clip.rgba.buffer as ArrayBuffer]);
    }
    try {
      clip = await engine.generate(request, forward);
    } catch (error) {
      // After a lost device the engine forgets its models: rebuild from memory once and retry.
      const source = sources.get(request.modelId);
      if (!(error instanceof ModelNotLoadedError) || !source) throw error;
      await engine.loadModelFromBytes(source.config, source.bytes);
      clip = await engine.generate(request, forward);
    }
    return Comlink.transfer(clip, [clip.rgba.buffer as ArrayBuffer]);
  },

  /** Attention probabilities of one block at one step of a generation (the Inspector's maps). */
  async attention(request: GenerationRequest, query: AttentionQuery): Promise<AttentionMaps> {
    const maps = await engine.attention(request, query);
    return Comlink.transfer(maps, [maps.probabilities.buffer as ArrayBuffer]);
  },

  /**
   * Readies an onnxruntime backend for a loaded model: model.onnx from the cache or the network
   * (verified, then cached) and its session, so the generation after starts at once.
   */
  async prepareBackend(
    modelId: string,
    backend: Backend,
    onProgress: (p: LoadProgress) => void = () => {},
  ): Promise<void> {
    const model = hostModel(modelId);
    const resolved = resolveBackend(backend, model.config, await environment());
    if (resolved !== 'wgsl') await hosts.host(model, resolved, onProgress);
  },

  /** One forward of every backend that can run a loaded model here, timed: what 'auto' picks by. */
  async measureBackends(
    modelId: string,
    onProgress: (p: LoadProgress) => void = () => {},
  ): Promise<BackendTimings> {
    const model = hostModel(modelId);
    const precision = sources.get(modelId)!.precision;
    const timeWgsl = async () => {
      const { device } = await engine.gpu();
      const denoiser = WgslDenoiser.fromBytes(device, model.configJson, model.weights, precision);
      try {
        return await timeForward(denoiser, 1);
      } finally {
        denoiser.dispose();
      }
    };
    return hosts.measure(model, availableBackends(model.config, await environment()), timeWgsl, onProgress);
  },

  cancel(): void {
    engine.cancel();
    hosts.cancel();
  },

  stats(): EngineStats {
    return engine.stats();
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
