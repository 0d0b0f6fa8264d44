import * as Comlink from 'comlink';
import type { EngineApi, LoadedModelSummary } from '../../workers/engine.worker.ts';
import type { Clip, EngineStats, GenerationRequest, LoadProgress, StepEvent } from '../engine/protocol.ts';

export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
}

/** The model and generation half of the worker's API, as the protocol fixes it. */
export interface GenerationApi {
  loadModel(
    modelId: string,
    baseUrl: string,
    onProgress: (p: LoadProgress) => void,
  ): Promise<LoadedModelSummary>;
  /** Frames come back transferred; rejects with an Error named 'GenerationCancelled' after cancel(). */
  generate(request: GenerationRequest, onStep: (event: StepEvent) => void): Promise<Clip>;
  cancel(): void;
  stats(): Promise<EngineStats>;
}

export type EngineContract = EngineApi & GenerationApi;

export interface EngineClient {
  api: Comlink.Remote<EngineContract>;
  /** Settles (rejects) when the worker fails to load or dies; never resolves. */
  failed: Promise<never>;
  terminate(): void;
}

/** Starts the engine worker. A worker that fails to load rejects `failed` with a sentence. */
export function startEngine(): EngineClient {
  const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tessera-engine',
  });
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      reject(
        new WorkerStartError(
          'The engine worker could not start' +
            (event.message ? ` (${event.message})` : '') +
            '. Reload the page; if it persists, the browser may block module workers ' +
            'or the site was served without its scripts.',
        ),
      );
    });
  });
  failed.catch(() => {}); // observed by callers through race(); avoid unhandled noise
  return { api: Comlink.wrap<EngineContract>(worker), failed, terminate: () => worker.terminate() };
}

/** Awaits a worker call, failing fast if the worker itself fails. */
export function race<T>(client: EngineClient, call: Promise<T>): Promise<T> {
  return Promise.race([call, client.failed]);
}

/** Wraps a callback so the worker can call it back across the boundary. */
export const callback = Comlink.proxy;
