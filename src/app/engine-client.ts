import * as Comlink from 'comlink';
import type { EngineApi } from '../../workers/engine.worker.ts';

export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
}

export interface EngineClient {
  api: Comlink.Remote<EngineApi>;
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
  return { api: Comlink.wrap<EngineApi>(worker), failed, terminate: () => worker.terminate() };
}

/** Awaits a worker call, failing fast if the worker itself fails. */
export function race<T>(client: EngineClient, call: Promise<T>): Promise<T> {
  return Promise.race([call, client.failed]);
}
