// Test doubles for the model cache: a scripted HTTP server, stores that crash, a clock.
import type { UseStore } from 'idb-keyval';
import { openModelStores, type ModelStores } from '../../../src/storage/models.ts';
import { sha256Hex } from '../../../src/storage/sha256.ts';
import type { FetchLike, ByteProgress } from '../../../src/storage/fetch-progress.ts';

let databaseCounter = 0;

/** Fresh, empty stores under a new database name. */
export function freshStores(): { name: string; stores: ModelStores } {
  const name = `test-${++databaseCounter}-${Math.random().toString(36).slice(2)}`;
  return { name, stores: openModelStores(name) };
}

/** Deterministic pseudo-random bytes. */
export function modelBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

export interface ServedModel {
  readonly config: Record<string, unknown>;
  readonly weights: Uint8Array<ArrayBuffer>;
}

export async function servedModel(length: number, seed = 1): Promise<ServedModel> {
  const weights = modelBytes(length, seed);
  return { config: { format: 'tessera', version: 1, sha256: await sha256Hex(weights) }, weights };
}

export interface BodyScript {
  /** The body stops (cleanly) after this many bytes of this response. */
  readonly endAfter?: number;
  /** The body errors after this many bytes of this response. */
  readonly errorAfter?: number;
  /** The body delivers this many bytes and then never again. */
  readonly stallAfter?: number;
}

export interface ServerOptions {
  readonly supportsRange?: boolean;
  readonly pieceBytes?: number;
  /** Scripts for successive weight requests; later requests serve the whole body. */
  readonly weightScripts?: BodyScript[];
  readonly sendLength?: boolean;
  readonly status?: number;
  readonly offline?: boolean;
  /** Other files of the folder (model.onnx), by name. */
  readonly files?: Record<string, Uint8Array>;
  /** Scripts for successive requests of those other files. */
  readonly fileScripts?: BodyScript[];
}

export interface FakeServer {
  readonly fetch: FetchLike;
  readonly requests: { url: string; range: string | null }[];
  weightRequests(): number;
}

/** Serves `<base>config.json`, `<base>model.safetensors` and any `files` for one model at any base. */
export function fakeServer(model: ServedModel, options: ServerOptions = {}): FakeServer {
  const requests: { url: string; range: string | null }[] = [];
  const scripts = [...(options.weightScripts ?? [])];
  const fileScripts = [...(options.fileScripts ?? [])];
  const fetch: FetchLike = async (url, init) => {
    init?.signal?.throwIfAborted();
    const range = new Headers(init?.headers).get('range');
    requests.push({ url, range });
    if (options.offline) throw new TypeError('Failed to fetch');
    if (options.status && options.status !== 200) {
      return new Response('nope', { status: options.status, statusText: 'Not Found' });
    }
    if (url.endsWith('/config.json')) return new Response(JSON.stringify(model.config));
    const name = url.slice(url.lastIndexOf('/') + 1);
    const isWeights = name === 'model.safetensors';
    const served = isWeights ? model.weights : options.files?.[name];
    if (!served) return new Response('', { status: 404 });
    const total = served.byteLength;
    let start = 0;
    const headers = new Headers();
    let status = 200;
    const rangeMatch = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (rangeMatch && options.supportsRange) {
      start = Number(rangeMatch[1]);
      status = 206;
      headers.set('content-range', `bytes ${start}-${total - 1}/${total}`);
    }
    if (options.sendLength !== false) headers.set('content-length', String(total - start));
    const script = (isWeights ? scripts : fileScripts).shift() ?? {};
    const body = scriptedStream(served.subarray(start), options.pieceBytes ?? 1000, script);
    return new Response(body, { status, headers });
  };
  return {
    fetch,
    requests,
    weightRequests: () => requests.filter((r) => r.url.endsWith('/model.safetensors')).length,
  };
}

function scriptedStream(
  bytes: Uint8Array,
  pieceBytes: number,
  script: BodyScript,
): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (script.stallAfter !== undefined && sent >= script.stallAfter) return new Promise<void>(() => {});
      if (script.errorAfter !== undefined && sent >= script.errorAfter) {
        controller.error(new TypeError('network error'));
        return;
      }
      if (sent >= bytes.byteLength || (script.endAfter !== undefined && sent >= script.endAfter)) {
        controller.close();
        return;
      }
      let end = Math.min(sent + pieceBytes, bytes.byteLength);
      for (const limit of [script.endAfter, script.errorAfter, script.stallAfter]) {
        if (limit !== undefined && limit > sent) end = Math.min(end, limit);
      }
      controller.enqueue(bytes.slice(sent, end));
      sent = end;
      return undefined;
    },
  });
}

export interface CrashingStore {
  readonly store: UseStore;
  puts(): number;
}

/** Stores sharing one Tab go down together. */
export interface Tab {
  crashed: boolean;
}

/**
 * A store that, at its (k+1)-th put, fails and then refuses everything, as a closed tab
 * would: no cleanup runs after the crash, in this store or any other of the same tab.
 */
export function crashAfterPuts(
  inner: UseStore,
  k: number,
  tab: Tab = { crashed: false },
  makeError: () => Error = () => new DOMException('the tab went away', 'UnknownError'),
): CrashingStore {
  let puts = 0;
  const store: UseStore = (mode, callback) => {
    if (tab.crashed) return Promise.reject(makeError());
    return inner(mode, (objectStore) => {
      const guarded = new Proxy(objectStore, {
        get(target, property) {
          if (property === 'put') {
            return (...args: Parameters<IDBObjectStore['put']>) => {
              if (puts >= k) {
                tab.crashed = true;
                throw makeError();
              }
              puts++;
              return target.put(...args);
            };
          }
          const value: unknown = Reflect.get(target, property, target);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      return callback(guarded);
    });
  };
  return { store, puts: () => puts };
}

/** A store whose puts fail after the first k, as a full disk would; everything else still works. */
export function refusePutsAfter(inner: UseStore, k: number, makeError: () => Error): UseStore {
  const tab = { crashed: false };
  const crashing = crashAfterPuts(inner, k, tab, makeError);
  return (mode, callback) => {
    tab.crashed = false;
    return crashing.store(mode, callback);
  };
}

/** A clock that moves 100 ms each time it is read. */
export function steppingClock(stepMs = 100): () => number {
  let t = 0;
  return () => (t += stepMs);
}

export function expectMonotonicProgress(events: ByteProgress[], totalBytes: number): void {
  if (events.length === 0) throw new Error('no progress events');
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.loadedBytes < events[i - 1]!.loadedBytes) {
      throw new Error(`progress went back from ${events[i - 1]!.loadedBytes} to ${events[i]!.loadedBytes}`);
    }
  }
  const last = events.at(-1)!;
  if (last.loadedBytes !== totalBytes || last.totalBytes !== totalBytes) {
    throw new Error(
      `final progress ${last.loadedBytes}/${last.totalBytes}, expected ${totalBytes}/${totalBytes}`,
    );
  }
}
