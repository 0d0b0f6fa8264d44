// The engine's worker: owns the GPUDevice and the model cache; the page talks to it only
// through comlink. Frames go back transferred, never copied.
import * as Comlink from 'comlink';
import { Engine, ModelNotLoadedError } from '../src/engine/engine.ts';
import type { AdapterReport } from '../src/engine/gpu/device.ts';
import type {
  AttentionMaps,
  AttentionQuery,
  Clip,
  EngineStats,
  GenerationRequest,
  LoadProgress,
  ModelSummary,
  StepEvent,
} from '../src/engine/protocol.ts';
import { runSelfTest, type SelfTestResult } from '../src/engine/self-test.ts';
import { ModelCache } from '../src/storage/models.ts';

export type GpuStatus =
  | { ok: true; adapter: AdapterReport; selfTest: SelfTestResult }
  | { ok: false; error: { name: string; message: string } };

/** What a load reports besides the model: where it came from, and why it was not cached. */
export interface LoadedModelSummary extends ModelSummary {
  origin: 'cache' | 'network' | 'file';
  cacheProblem: string | null;
  storeError: string | null;
}

const engine = new Engine(() => self.navigator.gpu);
// Same-origin model paths resolve against the app's base, not this worker's URL.
const cache = new ModelCache({ pageUrl: new URL(import.meta.env.BASE_URL, self.location.origin).href });
/** Each loaded model's bytes, kept so a lost device can be rebuilt without the network. */
const sources = new Map<string, { config: unknown; bytes: Uint8Array }>();

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
): Promise<LoadedModelSummary> {
  onProgress({ phase: 'upload', loadedBytes: loaded.bytes.byteLength, totalBytes: loaded.bytes.byteLength });
  const summary = await engine.loadModelFromBytes(loaded.config, loaded.bytes);
  if (summary.id !== id) {
    engine.unloadModel(summary.id);
    throw new Error(`the model at this address calls itself "${summary.id}", not "${id}"`);
  }
  sources.set(id, { config: loaded.config, bytes: loaded.bytes });
  return {
    ...summary,
    origin: loaded.origin,
    cacheProblem: loaded.cacheProblem,
    storeError: loaded.storeError?.message ?? null,
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
    return build(modelId, loaded, onProgress);
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
    return { ...(await build(id, loaded, onProgress)), sha256: loaded.sha256 };
  },

  async generate(request: GenerationRequest, onStep: (event: StepEvent) => void = () => {}): Promise<Clip> {
    const forward = (event: StepEvent) => {
      const buffers = [event.x0?.rgba.buffer, event.xt?.rgba.buffer].filter((b): b is ArrayBuffer => !!b);
      onStep(Comlink.transfer(event, buffers));
    };
    let clip: Clip;
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

  cancel(): void {
    engine.cancel();
  },

  stats(): EngineStats {
    return engine.stats();
  },
};

export type EngineApi = typeof api;

Comlink.expose(api);
