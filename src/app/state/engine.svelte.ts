// The engine as the app sees it: GPU status, the shipped model list, model loading with progress,
// and generation runs with per-step events. The comlink client is kept out of reactive state.
import type { BackendTimings, GpuStatus, LoadedModelSummary } from '../../../workers/engine.worker.ts';
import type {
  AttentionMaps,
  AttentionQuery,
  Backend,
  BackendChoice,
  Clip,
  EngineStats,
  Frames,
  GenerationRequest,
  LoadProgress,
  StepEvent,
} from '../../engine/protocol.ts';
import { callback, race, startEngine, type EngineClient } from '../engine-client.ts';
import { decide, deviceKey, resolveChoice, type AutoDecision } from '../lib/backend-choice.ts';
import { explain, isCancelled, NoModelError, type Explained } from '../lib/errors.ts';

/** The user's backend choice and what 'auto' measured per device (the Settings, in localStorage). */
export interface BackendMemory {
  /** For requests that name no backend (World Lab's, the teacher comparison's). */
  readonly backend: BackendChoice;
  decisionFor(deviceKey: string): AutoDecision | null;
  remember(deviceKey: string, decision: AutoDecision | null): void;
}

/** No backend can run a model here: named for explain(). */
export class NoBackendError extends Error {
  override name = 'BackendUnavailableError';
}

export interface ShippedModel {
  id: string;
  /** Folder with config.json and model.safetensors, relative to the app. */
  path: string;
  default?: boolean;
  role?: string;
}

/** Models the user added from a URL: id → folder URL, remembered across visits. */
const ADDED_KEY = 'tessera-added-models';

function readAdded(): Record<string, string> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(ADDED_KEY) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function parseIndex(value: unknown): ShippedModel[] {
  const models = (value as { models?: unknown })?.models;
  if (!Array.isArray(models)) throw new Error('index.json has no "models" list');
  return models.filter(
    (m): m is ShippedModel =>
      typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.path === 'string',
  );
}

export type RunStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

/** One generation: its request, every step event as it arrives, and the clip. */
export class Run {
  readonly id = crypto.randomUUID();
  readonly request: GenerationRequest;
  readonly label: string;
  status = $state<RunStatus>('queued');
  steps = $state.raw<StepEvent[]>([]);
  clip = $state.raw<Clip | null>(null);
  error = $state.raw<Explained | null>(null);
  startedAt = $state(0);
  finishedAt = $state(0);
  /** The backend it runs on, once chosen ('auto' resolved). */
  backend = $state<Backend | null>(null);
  /** Resolves with the clip, or null when cancelled or failed. */
  readonly done: Promise<Clip | null>;
  #resolve!: (clip: Clip | null) => void;

  constructor(request: GenerationRequest, label = '') {
    this.request = request;
    this.label = label;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  get fraction(): number {
    if (this.status === 'done') return 1;
    const last = this.steps.at(-1);
    return last ? (last.step + 1) / last.steps : 0;
  }

  get active(): boolean {
    return this.status === 'queued' || this.status === 'running';
  }

  /** The newest picture of the clip: the final clip, else the latest predicted x0. */
  get preview(): Frames | null {
    if (this.clip) return this.clip;
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const x0 = this.steps[i]!.x0;
      if (x0) return x0;
    }
    return null;
  }

  finish(clip: Clip | null, status: RunStatus, error: Explained | null = null): void {
    this.clip = clip;
    this.status = status;
    this.error = error;
    this.finishedAt = performance.now();
    this.#resolve(clip);
  }
}

export class EngineState {
  gpu = $state.raw<GpuStatus | null>(null);
  shipped = $state.raw<ShippedModel[]>([]);
  /** Why the shipped model list could not be read; null when it was, or not yet asked. */
  indexProblem = $state<string | null>(null);
  indexLoaded = $state(false);
  added = $state.raw<Record<string, string>>({});
  summaries = $state.raw<Record<string, LoadedModelSummary>>({});
  loading = $state.raw<{ id: string; progress: LoadProgress | null } | null>(null);
  loadError = $state.raw<Explained | null>(null);
  current = $state.raw<Run | null>(null);
  stats = $state.raw<EngineStats | null>(null);
  /** Set when the worker dies or the device is lost; cleared by the next successful call. */
  fault = $state.raw<Explained | null>(null);
  /** Auto timing the backends (first use on this device, or asked again). */
  measuring = $state.raw<{ modelId: string; progress: LoadProgress | null } | null>(null);
  /** The latest timings, with the backends that failed and why. */
  measurement = $state.raw<BackendTimings | null>(null);
  /** An onnxruntime backend being readied: model.onnx fetched or read, its session built. */
  preparing = $state.raw<{ modelId: string; backend: Backend; progress: LoadProgress | null } | null>(null);
  /** The backend that made the newest clip. */
  lastBackend = $state<Backend | null>(null);

  readonly #client: EngineClient;
  readonly #memory: BackendMemory | null;
  // Loads in flight, shared by concurrent callers; bookkeeping, not state to render.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #loads = new Map<string, Promise<LoadedModelSummary>>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(client: EngineClient = startEngine(), memory: BackendMemory | null = null) {
    this.#client = client;
    this.#memory = memory;
    this.added = readAdded();
    client.failed.catch((error: unknown) => (this.fault = explain(error)));
  }

  get defaultModelId(): string | null {
    return (this.shipped.find((m) => m.default) ?? this.shipped[0])?.id ?? null;
  }

  get gpuOk(): boolean {
    return this.gpu?.ok === true;
  }

  get precision(): 'f16' | 'f32' | null {
    return this.gpu?.ok ? this.gpu.adapter.precision : null;
  }

  /** The device auto's decisions are remembered under. */
  get deviceKey(): string {
    return deviceKey(this.gpu);
  }

  /** What auto measured and picked on this device, if it has. */
  get autoDecision(): AutoDecision | null {
    return this.#memory?.decisionFor(this.deviceKey) ?? null;
  }

  /** Every model the app can offer: shipped ones, then ones the user added. */
  get modelIds(): string[] {
    const ids = [...this.shipped.map((m) => m.id), ...Object.keys(this.added)];
    return ids.filter((id, i) => ids.indexOf(id) === i);
  }

  roleOf(id: string): string | null {
    return this.shipped.find((m) => m.id === id)?.role ?? (id in this.added ? 'added' : null);
  }

  async start(): Promise<void> {
    const gpu = race<GpuStatus>(this.#client, this.#client.api.gpuStatus())
      .then((status) => (this.gpu = status))
      .catch((error: unknown) => {
        const { name, detail } = explain(error);
        this.gpu = { ok: false, error: { name, message: detail } };
      });
    await Promise.all([gpu, this.loadIndex()]);
  }

  async loadIndex(): Promise<void> {
    try {
      const response = await fetch('models/index.json');
      if (!response.ok) throw new Error(`models/index.json answered ${response.status}`);
      this.shipped = parseIndex(await response.json());
      this.indexProblem = null;
    } catch (error) {
      this.shipped = [];
      this.indexProblem = error instanceof Error ? error.message : String(error);
    } finally {
      this.indexLoaded = true;
    }
  }

  baseUrlOf(id: string): string | null {
    return this.shipped.find((m) => m.id === id)?.path ?? this.added[id] ?? null;
  }

  /** Loads a model once; concurrent callers share the load. */
  ensureModel(id: string): Promise<LoadedModelSummary> {
    const known = this.summaries[id];
    if (known) return Promise.resolve(known);
    let load = this.#loads.get(id);
    if (!load) {
      load = this.#load(id, this.baseUrlOf(id));
      this.#loads.set(id, load);
      load.catch(() => this.#loads.delete(id));
    }
    return load;
  }

  async #load(id: string, baseUrl: string | null): Promise<LoadedModelSummary> {
    if (baseUrl === null) throw new NoModelError();
    this.loading = { id, progress: null };
    this.loadError = null;
    try {
      const onProgress = callback((progress: LoadProgress) => {
        if (this.loading?.id === id) this.loading = { id, progress };
      });
      const summary = await race(this.#client, this.#client.api.loadModel(id, baseUrl, onProgress));
      this.summaries = { ...this.summaries, [id]: summary };
      this.fault = null;
      return summary;
    } catch (error) {
      this.loadError = explain(error);
      throw error;
    } finally {
      if (this.loading?.id === id) this.loading = null;
      void this.refreshStats();
    }
  }

  /** Remembers a model folder the user added (after they confirmed it) and loads it. */
  addModel(id: string, baseUrl: string): Promise<LoadedModelSummary> {
    this.added = { ...this.added, [id]: baseUrl };
    localStorage.setItem(ADDED_KEY, JSON.stringify(this.added));
    return this.ensureModel(id);
  }

  forgetModel(id: string): void {
    if (!(id in this.added)) return;
    const { [id]: _, ...rest } = this.added;
    this.added = rest;
    localStorage.setItem(ADDED_KEY, JSON.stringify(rest));
  }

  /** Starts a generation after any queued one; the returned run fills in as steps arrive. */
  run(request: GenerationRequest, label = ''): Run {
    const run = new Run(request, label);
    this.#queue = this.#queue.then(() => this.#execute(run));
    return run;
  }

  async #execute(run: Run): Promise<void> {
    if (run.status !== 'queued') return; // cancelled while waiting
    try {
      await this.ensureModel(run.request.modelId);
    } catch (error) {
      run.finish(null, 'failed', explain(error));
      return;
    }
    if (run.status !== 'queued') return;
    let backend: Backend;
    try {
      backend = await this.#backendFor(run.request);
      if (backend !== 'wgsl' && run.status === 'queued') await this.#prepare(run.request.modelId, backend);
    } catch (error) {
      run.finish(null, 'failed', explain(error));
      return;
    }
    if (run.status !== 'queued') return;
    run.backend = backend;
    run.status = 'running';
    run.startedAt = performance.now();
    this.current = run;
    try {
      const onStep = callback((event: StepEvent) => {
        run.steps = [...run.steps, event];
      });
      const clip = await race(this.#client, this.#client.api.generate({ ...run.request, backend }, onStep));
      this.fault = null;
      this.lastBackend = clip.params.backend ?? backend;
      run.finish(clip, 'done');
    } catch (error) {
      if (isCancelled(error)) run.finish(null, 'cancelled');
      else {
        const explained = explain(error);
        if (explained.name === 'DeviceLostError') this.fault = explained;
        run.finish(null, 'failed', explained);
      }
    } finally {
      if (this.current === run) this.current = null;
      void this.refreshStats();
    }
  }

  /**
   * The backend a request runs on: its own choice, or for 'auto' what was measured on this
   * device (measuring first when nothing was, and remembering the pick).
   */
  async #backendFor(request: GenerationRequest): Promise<Backend> {
    const summary = await this.ensureModel(request.modelId);
    const choice = request.backend ?? this.#memory?.backend ?? 'auto';
    const { backend, measure } = resolveChoice(choice, summary.backends, this.autoDecision);
    if (backend) return backend;
    if (!measure) {
      throw new NoBackendError(
        `Model ${summary.id} ships no model.onnx and this browser has no WebGPU, so nothing here can run it.`,
      );
    }
    const decision = await this.#measure(request.modelId);
    if (!decision) {
      const why = Object.entries(this.measurement?.problems ?? {}).map(([b, p]) => `${b}: ${p}`);
      throw new NoBackendError(`No backend could run model ${summary.id} here (${why.join('; ')}).`);
    }
    return decision.pick;
  }

  async #measure(modelId: string): Promise<AutoDecision | null> {
    this.measuring = { modelId, progress: null };
    try {
      const onProgress = callback((progress: LoadProgress) => {
        if (this.measuring?.modelId === modelId) this.measuring = { modelId, progress };
      });
      const timings = await race(this.#client, this.#client.api.measureBackends(modelId, onProgress));
      this.measurement = timings;
      const decision = decide(timings);
      this.#memory?.remember(this.deviceKey, decision);
      return decision;
    } finally {
      this.measuring = null;
    }
  }

  /** Times the backends again for `modelId` (after any queued run) and remembers the new pick. */
  measureBackends(modelId: string): Promise<AutoDecision | null> {
    const result = this.#queue.then(async () => {
      await this.ensureModel(modelId);
      return this.#measure(modelId);
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** model.onnx and the session of an onnxruntime backend, with their progress shown. */
  async #prepare(modelId: string, backend: Backend): Promise<void> {
    this.preparing = { modelId, backend, progress: null };
    try {
      const onProgress = callback((progress: LoadProgress) => {
        if (this.preparing?.modelId === modelId) this.preparing = { modelId, backend, progress };
      });
      await race(this.#client, this.#client.api.prepareBackend(modelId, backend, onProgress));
    } finally {
      this.preparing = null;
    }
  }

  /** Attention maps of one block at one step of `request`'s generation, after any queued run. */
  attention(request: GenerationRequest, query: AttentionQuery): Promise<AttentionMaps> {
    const maps = this.#queue.then(async () => {
      await this.ensureModel(request.modelId);
      return race(this.#client, this.#client.api.attention(request, query));
    });
    this.#queue = maps.catch(() => undefined);
    return maps;
  }

  /** Cancels a run: a queued one never starts; a running one rejects in the worker. */
  cancel(run: Run | null = this.current): void {
    if (!run) return;
    if (run.status === 'queued') run.finish(null, 'cancelled');
    else if (run.status === 'running') void this.#client.api.cancel();
  }

  async refreshStats(): Promise<void> {
    try {
      this.stats = await race(this.#client, this.#client.api.stats());
    } catch {
      this.stats = null; // an engine without stats yet: the views show nothing rather than an error
    }
  }

  dispose(): void {
    this.#client.terminate();
  }
}
