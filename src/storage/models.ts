// The model cache: weights fetched once, verified, and kept in IndexedDB in chunks.
//
// Layout (two idb-keyval stores, one database each, since idb-keyval opens one store per database):
//   <name>-model-chunks/chunks        "<id>/<sha256>/<index>" → ArrayBuffer (≤ chunkBytes)
//   <name>-model-manifests/manifests  "<id>" → ModelManifest, written after every chunk
//                                     "<id>/<file>" → FileManifest of another file (model.onnx)
// A manifest therefore always describes chunks that were all written. Chunks without a
// manifest (a tab closed mid-store) are garbage-collected before every store. A download that breaks mid-body is resumed within the same load with HTTP
// Range (or restarted when the server ignores Range); a load interrupted by a page reload
// starts the download over, since WebCrypto cannot hash a file in pieces anyway.

import { createStore, del, delMany, keys, set, values, clear, get, type UseStore } from 'idb-keyval';
import {
  chunkCount,
  chunkKeysOf,
  chunkOwner,
  DEFAULT_CHUNK_BYTES,
  readChunks,
  writeChunks,
} from './chunks.ts';
import { IntegrityError, isAbortError, ModelSourceError, ModelStoreError, QuotaError } from './errors.ts';
import {
  describeError,
  downloadWithProgress,
  fetchOk,
  ProgressMeter,
  readBlobWithProgress,
  type Clock,
  type FetchLike,
  type ProgressCallback,
} from './fetch-progress.ts';
import {
  fileManifestKey,
  isValidModelId,
  MODEL_FILES,
  parseFileManifest,
  parseManifest,
  type FileManifest,
  type ModelConfigJson,
  type ModelFileName,
  type ModelManifest,
} from './manifest.ts';
import { CONFIG_FILE, modelFileUrl, WEIGHTS_FILE, type ModelSource } from './model-source.ts';
import {
  ensureRoomFor,
  estimateStorage,
  isQuotaExceeded,
  requestPersistence,
  type StorageLike,
} from './quota.ts';
import { normalizeSha256, sha256Hex } from './sha256.ts';

export type { ModelSource } from './model-source.ts';
export type { ByteProgress, FetchLike, ProgressCallback } from './fetch-progress.ts';
export type { FileManifest, ModelConfigJson, ModelFileName, ModelManifest } from './manifest.ts';
export { MODEL_FILES } from './manifest.ts';
export type { StorageLike } from './quota.ts';
export { IntegrityError, ModelSourceError, ModelStoreError, QuotaError } from './errors.ts';

export interface ModelStores {
  readonly chunks: UseStore;
  readonly manifests: UseStore;
}

export function openModelStores(name = 'tessera'): ModelStores {
  return {
    chunks: createStore(`${name}-model-chunks`, 'chunks'),
    manifests: createStore(`${name}-model-manifests`, 'manifests'),
  };
}

export interface ModelCacheOptions {
  /** Defaults to openModelStores(). */
  readonly stores?: ModelStores;
  /** Bytes per stored chunk; default 16 MiB, at most 64 MiB. */
  readonly chunkBytes?: number;
  readonly fetch?: FetchLike;
  /** navigator.storage by default; null when there is none to ask. */
  readonly storage?: StorageLike | null;
  /** Base for same-origin model paths; location.href by default. */
  readonly pageUrl?: string;
  /** Resumes of a broken download before giving up. */
  readonly maxResumes?: number;
  readonly now?: Clock;
}

export interface LoadModelOptions {
  /** Where to get the model if the cache cannot serve it; a file source always replaces the cache. */
  readonly source?: ModelSource;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
  /** A cached copy with another hash is treated as stale and fetched again. */
  readonly expectedSha256?: string;
}

export interface LoadedModel {
  readonly id: string;
  readonly config: ModelConfigJson;
  /** Of the weights; for a local file, what the UI shows the user. */
  readonly sha256: string;
  /** The safetensors file. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly origin: 'cache' | 'network' | 'file';
  /** Why the cache could not serve this load, when it had something for this id. */
  readonly cacheProblem: string | null;
  /** Set when the model could not be cached; it still runs from `bytes` this time. */
  readonly storeError: QuotaError | ModelStoreError | null;
}

export interface LoadFileOptions {
  /** The model folder to fetch the file from when the cache cannot serve it. */
  readonly source?: Extract<ModelSource, { kind: 'url' }>;
  /** What the file must hash to (config.json names it); a cached copy with another is stale. */
  readonly sha256: string;
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
}

export interface LoadedFile {
  readonly id: string;
  readonly file: ModelFileName;
  readonly sha256: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly origin: 'cache' | 'network';
  readonly cacheProblem: string | null;
  /** Set when the file could not be cached; it still runs from `bytes` this time. */
  readonly storeError: QuotaError | ModelStoreError | null;
}

export interface CachedModelInfo {
  readonly id: string;
  /** Of the weights. */
  readonly bytes: number;
  readonly storedAt: number;
  readonly sha256: string;
  /** Other files of the model stored beside the weights (model.onnx, once an ONNX backend ran). */
  readonly files: readonly { readonly file: string; readonly bytes: number }[];
}

export interface StorageUsage {
  /** The whole origin's usage when the browser says, else the cached models' bytes. */
  readonly usedBytes: number;
  readonly quotaBytes: number | null;
}

const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export class ModelCache {
  private readonly stores: ModelStores;
  private readonly chunkBytes: number;
  private readonly fetch: FetchLike;
  private readonly storage: StorageLike | null;
  private readonly pageUrl: string | undefined;
  private readonly maxResumes: number;
  private readonly now: Clock | undefined;
  private persistenceAsked = false;
  // Ids whose chunks this cache is writing now: not garbage, although they have no manifest yet.
  // A count, since the weights and another file of one model may be stored at once.
  private readonly storing = new Map<string, number>();

  constructor(options: ModelCacheOptions = {}) {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
      throw new RangeError(`chunkBytes must be an integer in [1, ${MAX_CHUNK_BYTES}], got ${chunkBytes}`);
    }
    const maxResumes = options.maxResumes ?? 3;
    if (!Number.isSafeInteger(maxResumes) || maxResumes < 0) {
      throw new RangeError(`maxResumes must be a non-negative integer, got ${maxResumes}`);
    }
    const fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
    if (!fetch) throw new TypeError('no fetch function available: pass options.fetch');
    this.stores = options.stores ?? openModelStores();
    this.chunkBytes = chunkBytes;
    this.fetch = fetch;
    this.storage = options.storage !== undefined ? options.storage : (globalThis.navigator?.storage ?? null);
    this.pageUrl = options.pageUrl ?? globalThis.location?.href;
    this.maxResumes = maxResumes;
    this.now = options.now;
  }

  /** From the cache when its manifest is complete and every chunk verifies; else from the source, then cached. */
  async loadModel(id: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
    assertModelId(id);
    const { source, signal, onProgress } = options;
    if (options.expectedSha256 !== undefined && normalizeSha256(options.expectedSha256) === null) {
      throw new ModelSourceError(
        `expectedSha256 ${JSON.stringify(options.expectedSha256)} is not a sha256 hex digest`,
      );
    }
    signal?.throwIfAborted();
    let cacheProblem: string | null = null;
    if (source?.kind !== 'file') {
      const cached = await this.readCached(id, options);
      if ('model' in cached) return cached.model;
      cacheProblem = cached.problem;
      if (cached.damaged) await this.deleteModel(id);
    }
    if (!source) {
      throw new ModelSourceError(
        cacheProblem === null
          ? `model ${id} is not cached and no source was given`
          : `cached model ${id} is unusable (${cacheProblem}) and no source was given`,
      );
    }
    const fetched =
      source.kind === 'url'
        ? await this.download(source.baseUrl, signal, onProgress)
        : await this.readFiles(source, signal, onProgress);
    const storeError = await this.store(id, fetched.config, fetched.sha256, fetched.bytes, signal);
    return { id, ...fetched, origin: source.kind === 'url' ? 'network' : 'file', cacheProblem, storeError };
  }

  async listCachedModels(): Promise<CachedModelInfo[]> {
    const { models, files } = await this.manifests();
    return models
      .map(({ id, bytes, storedAt, sha256 }) => ({
        id,
        bytes,
        storedAt,
        sha256,
        files: files.filter((f) => f.id === id).map(({ file, bytes }) => ({ file, bytes })),
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Manifests first, so a half-deleted model is never taken for a whole one. */
  async deleteModel(id: string): Promise<void> {
    assertModelId(id);
    await del(id, this.stores.manifests);
    await this.stores.manifests('readwrite', (store) => store.delete(chunkKeysOf(id)));
    await this.stores.chunks('readwrite', (store) => store.delete(chunkKeysOf(id)));
  }

  /**
   * Another file of a model folder (model.onnx): from the cache when its manifest is whole,
   * every chunk verifies and it has the expected sha256; else downloaded from the source,
   * verified and cached beside the weights (same chunks, manifest last, resumable download).
   */
  async loadFile(id: string, file: ModelFileName, options: LoadFileOptions): Promise<LoadedFile> {
    assertModelId(id);
    if (!(MODEL_FILES as readonly string[]).includes(file)) {
      throw new ModelSourceError(`${JSON.stringify(file)} is not a model file (${MODEL_FILES.join(', ')})`);
    }
    const { source, signal, onProgress } = options;
    const expected = normalizeSha256(options.sha256);
    if (expected === null) {
      throw new ModelSourceError(
        `the sha256 for ${file} (${JSON.stringify(options.sha256)}) is not a sha256 hex digest`,
      );
    }
    signal?.throwIfAborted();
    const key = fileManifestKey(id, file);
    let cacheProblem: string | null = null;
    const raw: unknown = await get(key, this.stores.manifests);
    if (raw !== undefined) {
      const manifest = parseFileManifest(raw, id, file);
      if (!manifest) cacheProblem = 'its manifest is malformed';
      else if (manifest.sha256 !== expected) {
        cacheProblem = `the cached copy has sha256 ${manifest.sha256}, expected ${expected}`;
      } else {
        const meter = new ProgressMeter('read-cache', manifest.bytes, onProgress, this.now);
        const read = await readChunks(this.stores.chunks, manifest, signal, (n) => meter.report(n));
        if (read.ok) {
          meter.finish(read.bytes.byteLength);
          return {
            id,
            file,
            sha256: expected,
            bytes: read.bytes,
            origin: 'cache',
            cacheProblem,
            storeError: null,
          };
        }
        cacheProblem = read.problem;
      }
    }
    if (!source) {
      throw new ModelSourceError(
        cacheProblem === null
          ? `${file} of model ${id} is not cached and no source was given`
          : `the cached ${file} of model ${id} is unusable (${cacheProblem}) and no source was given`,
      );
    }
    const url = modelFileUrl(source.baseUrl, file, this.pageUrl);
    const bytes = await downloadWithProgress(url, {
      fetch: this.fetch,
      signal,
      onProgress,
      maxResumes: this.maxResumes,
      ...(this.now ? { now: this.now } : {}),
    });
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== expected) throw new IntegrityError(expected, sha256, url);
    const storeError = await this.storeFile(id, file, sha256, bytes, signal);
    return { id, file, sha256, bytes, origin: 'network', cacheProblem, storeError };
  }

  async clearAll(): Promise<void> {
    await clear(this.stores.manifests);
    await clear(this.stores.chunks);
  }

  async storageUsage(): Promise<StorageUsage> {
    const estimate = await estimateStorage(this.storage);
    if (estimate) return estimate;
    const { models, files } = await this.manifests();
    return { usedBytes: [...models, ...files].reduce((sum, m) => sum + m.bytes, 0), quotaBytes: null };
  }

  /** Deletes chunks that no manifest owns (left by an interrupted store); returns how many. */
  async collectGarbage(): Promise<number> {
    const { models, files } = await this.manifests();
    const owners = new Set([...models, ...files].map(({ id, sha256 }) => `${id}/${sha256}`));
    const orphans = (await keys<IDBValidKey>(this.stores.chunks)).filter(
      (key) =>
        typeof key !== 'string' ||
        (!owners.has(chunkOwner(key)) && !this.storing.has(key.slice(0, key.indexOf('/')))),
    );
    await delMany(orphans, this.stores.chunks);
    return orphans.length;
  }

  private async manifests(): Promise<{ models: ModelManifest[]; files: FileManifest[] }> {
    const all = await values<unknown>(this.stores.manifests);
    return {
      models: all.map((value) => parseManifest(value)).filter((m): m is ModelManifest => m !== null),
      files: all.map((value) => parseFileManifest(value)).filter((m): m is FileManifest => m !== null),
    };
  }

  private async readCached(
    id: string,
    { signal, onProgress, expectedSha256 }: LoadModelOptions,
  ): Promise<{ model: LoadedModel } | { problem: string | null; damaged: boolean }> {
    const raw: unknown = await get(id, this.stores.manifests);
    if (raw === undefined) return { problem: null, damaged: false };
    const manifest = parseManifest(raw, id);
    if (!manifest) return { problem: 'its manifest is malformed', damaged: true };
    const wanted = expectedSha256 === undefined ? null : normalizeSha256(expectedSha256);
    if (wanted !== null && wanted !== manifest.sha256) {
      // Stale, not damaged: kept until a new copy replaces it, so it still works offline.
      return { problem: `the cached copy has sha256 ${manifest.sha256}, expected ${wanted}`, damaged: false };
    }
    const meter = new ProgressMeter('read-cache', manifest.bytes, onProgress, this.now);
    const read = await readChunks(this.stores.chunks, manifest, signal, (loaded) => meter.report(loaded));
    if (!read.ok) return { problem: read.problem, damaged: true };
    meter.finish(read.bytes.byteLength);
    const { config, sha256 } = manifest;
    return {
      model: { id, config, sha256, bytes: read.bytes, origin: 'cache', cacheProblem: null, storeError: null },
    };
  }

  private async download(
    baseUrl: string,
    signal: AbortSignal | undefined,
    onProgress: ProgressCallback | undefined,
  ): Promise<{ config: ModelConfigJson; sha256: string; bytes: Uint8Array<ArrayBuffer> }> {
    const configUrl = modelFileUrl(baseUrl, CONFIG_FILE, this.pageUrl);
    const weightsUrl = modelFileUrl(baseUrl, WEIGHTS_FILE, this.pageUrl);
    const configResponse = await fetchOk(this.fetch, configUrl, { signal: signal ?? null });
    const config = parseConfigJson(await readText(configResponse, configUrl), configUrl);
    const expected = normalizeSha256(config.sha256);
    if (expected === null) {
      throw new ModelSourceError(
        `${configUrl} has no valid "sha256" for its weights, so they cannot be verified`,
      );
    }
    const bytes = await downloadWithProgress(weightsUrl, {
      fetch: this.fetch,
      signal,
      onProgress,
      maxResumes: this.maxResumes,
      ...(this.now ? { now: this.now } : {}),
    });
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== expected) throw new IntegrityError(expected, sha256, weightsUrl);
    return { config, sha256, bytes };
  }

  private async readFiles(
    source: Extract<ModelSource, { kind: 'file' }>,
    signal: AbortSignal | undefined,
    onProgress: ProgressCallback | undefined,
  ): Promise<{ config: ModelConfigJson; sha256: string; bytes: Uint8Array<ArrayBuffer> }> {
    const config =
      source.config instanceof Blob
        ? parseConfigJson(await source.config.text(), CONFIG_FILE)
        : parseConfigObject(source.config, CONFIG_FILE);
    const bytes = await readBlobWithProgress(source.weights, {
      signal,
      onProgress,
      ...(this.now ? { now: this.now } : {}),
    });
    const sha256 = await sha256Hex(bytes);
    // A local checkpoint may come without a hash; when it has one, it must match.
    if (config.sha256 !== undefined) {
      const expected = normalizeSha256(config.sha256);
      if (expected === null) throw new ModelSourceError(`${CONFIG_FILE} has a malformed "sha256"`);
      if (expected !== sha256) throw new IntegrityError(expected, sha256, WEIGHTS_FILE);
    }
    return { config: { ...config, sha256 }, sha256, bytes };
  }

  /** Chunks, then the manifest. Returns the reason the model could not be cached, if any. */
  private async store(
    id: string,
    config: ModelConfigJson,
    sha256: string,
    bytes: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<QuotaError | ModelStoreError | null> {
    try {
      await ensureRoomFor(this.storage, bytes.byteLength);
    } catch (error) {
      if (error instanceof QuotaError) return error;
      throw error;
    }
    this.storing.set(id, (this.storing.get(id) ?? 0) + 1);
    try {
      await this.deleteModel(id);
      await this.collectGarbage();
      const chunkSha256 = await writeChunks(this.stores.chunks, id, sha256, bytes, this.chunkBytes, signal);
      signal?.throwIfAborted();
      const manifest: ModelManifest = {
        version: 1,
        id,
        config,
        sha256,
        bytes: bytes.byteLength,
        chunkCount: chunkCount(bytes.byteLength, this.chunkBytes),
        chunkBytes: this.chunkBytes,
        chunkSha256,
        storedAt: Date.now(),
      };
      await set(id, manifest, this.stores.manifests);
    } catch (error) {
      await this.stores.chunks('readwrite', (store) => store.delete(chunkKeysOf(id))).catch(() => {});
      return this.storeFailure(error, signal, bytes.byteLength, `model ${id}`);
    } finally {
      this.release(id);
    }
    await this.askPersistence();
    return null;
  }

  /** A failed store as the error to report: aborts rethrown, a full disk as a QuotaError. */
  private async storeFailure(
    error: unknown,
    signal: AbortSignal | undefined,
    bytes: number,
    what: string,
  ): Promise<QuotaError | ModelStoreError> {
    if (isAbortError(error) || signal?.aborted) throw signal?.reason ?? error;
    if (isQuotaExceeded(error)) {
      const estimate = await estimateStorage(this.storage);
      const free = estimate ? Math.max(0, estimate.quotaBytes - estimate.usedBytes) : null;
      return new QuotaError(bytes, free, { cause: error });
    }
    return new ModelStoreError(`could not cache ${what}: ${describeError(error)}`, { cause: error });
  }

  /** An extra file's chunks, then its manifest; the old copy (another hash) goes first. */
  private async storeFile(
    id: string,
    file: ModelFileName,
    sha256: string,
    bytes: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<QuotaError | ModelStoreError | null> {
    try {
      await ensureRoomFor(this.storage, bytes.byteLength);
    } catch (error) {
      if (error instanceof QuotaError) return error;
      throw error;
    }
    const key = fileManifestKey(id, file);
    const chunkRange = (hash: string) => IDBKeyRange.bound(`${id}/${hash}/`, `${id}/${hash}/\uffff`);
    this.storing.set(id, (this.storing.get(id) ?? 0) + 1);
    try {
      const old = parseFileManifest(await get(key, this.stores.manifests));
      await del(key, this.stores.manifests);
      if (old) await this.stores.chunks('readwrite', (store) => store.delete(chunkRange(old.sha256)));
      await this.collectGarbage();
      const chunkSha256 = await writeChunks(this.stores.chunks, id, sha256, bytes, this.chunkBytes, signal);
      signal?.throwIfAborted();
      const manifest: FileManifest = {
        version: 1,
        kind: 'file',
        id,
        file,
        sha256,
        bytes: bytes.byteLength,
        chunkCount: chunkCount(bytes.byteLength, this.chunkBytes),
        chunkBytes: this.chunkBytes,
        chunkSha256,
        storedAt: Date.now(),
      };
      await set(key, manifest, this.stores.manifests);
    } catch (error) {
      await this.stores.chunks('readwrite', (store) => store.delete(chunkRange(sha256))).catch(() => {});
      return this.storeFailure(error, signal, bytes.byteLength, `${file} of model ${id}`);
    } finally {
      this.release(id);
    }
    await this.askPersistence();
    return null;
  }

  private release(id: string): void {
    const left = (this.storing.get(id) ?? 1) - 1;
    if (left > 0) this.storing.set(id, left);
    else this.storing.delete(id);
  }

  private async askPersistence(): Promise<void> {
    if (this.persistenceAsked) return;
    this.persistenceAsked = true;
    await requestPersistence(this.storage);
  }
}

function assertModelId(id: unknown): asserts id is string {
  if (!isValidModelId(id)) {
    throw new ModelSourceError(
      `model id ${JSON.stringify(id)} must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
}

async function readText(response: Response, url: string): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new ModelSourceError(`could not read ${url}: ${describeError(error)}`, { cause: error });
  }
}

function parseConfigJson(text: string, where: string): ModelConfigJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelSourceError(`${where} is not valid JSON: ${describeError(error)}`);
  }
  return parseConfigObject(parsed, where);
}

function parseConfigObject(value: unknown, where: string): ModelConfigJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelSourceError(`${where} must hold a JSON object`);
  }
  return value as ModelConfigJson;
}
