// The engine as the app sees it: GPU status, the shipped model list, model loading with progress,
// and generation runs with per-step events. The comlink client is kept out of reactive state.
import type { GpuStatus } from '../../../workers/engine.worker.ts';
import type {
  AttentionMaps,
  AttentionQuery,
  Clip,
  EngineStats,
  Frames,
  GenerationRequest,
  LoadProgress,
  ModelSummary,
  StepEvent,
} from '../../engine/protocol.ts';
import { callback, race, startEngine, type EngineClient } from '../engine-client.ts';
import { explain, isCancelled, NoModelError, type Explained } from '../lib/errors.ts';

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
  summaries = $state.raw<Record<string, ModelSummary>>({});
  loading = $state.raw<{ id: string; progress: LoadProgress | null } | null>(null);
  loadError = $state.raw<Explained | null>(null);
  current = $state.raw<Run | null>(null);
  stats = $state.raw<EngineStats | null>(null);
  /** Set when the worker dies or the device is lost; cleared by the next successful call. */
  fault = $state.raw<Explained | null>(null);

  readonly #client: EngineClient;
  // Loads in flight, shared by concurrent callers; bookkeeping, not state to render.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #loads = new Map<string, Promise<ModelSummary>>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(client: EngineClient = startEngine()) {
    this.#client = client;
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
  ensureModel(id: string): Promise<ModelSummary> {
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

  async #load(id: string, baseUrl: string | null): Promise<ModelSummary> {
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
  addModel(id: string, baseUrl: string): Promise<ModelSummary> {
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
    run.status = 'running';
    run.startedAt = performance.now();
    this.current = run;
    try {
      const onStep = callback((event: StepEvent) => {
        run.steps = [...run.steps, event];
      });
      const clip = await race(this.#client, this.#client.api.generate(run.request, onStep));
      this.fault = null;
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
