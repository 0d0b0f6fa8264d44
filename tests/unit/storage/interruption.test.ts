import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { keys } from 'idb-keyval';
import { ModelCache, ModelStoreError, openModelStores } from '../../../src/storage/models.ts';
import { crashAfterPuts, fakeServer, freshStores, servedModel } from './fakes.ts';

const CHUNK = 1000;
const LENGTH = 4 * CHUNK + 250; // 5 chunks
const CHUNKS = 5;
const source = { kind: 'url', baseUrl: '/models/tiny/' } as const;

describe('a store interrupted at every chunk boundary', () => {
  // k = 0..4 crash while writing chunk k; k = 5 crashes on the manifest.
  it.each(Array.from({ length: CHUNKS + 1 }, (_, k) => k))(
    'after %i chunks: no whole model is claimed, and the next load repairs it',
    async (k) => {
      const model = await servedModel(LENGTH, k + 11);
      const server = fakeServer(model);
      const { name } = freshStores();
      const healthy = openModelStores(name);
      const tab = { crashed: false };
      const crashingChunks = crashAfterPuts(healthy.chunks, k, tab);
      const crashingManifests = crashAfterPuts(healthy.manifests, k < CHUNKS ? Infinity : 0, tab);
      const interrupted = new ModelCache({
        stores: { chunks: crashingChunks.store, manifests: crashingManifests.store },
        chunkBytes: CHUNK,
        fetch: server.fetch,
        storage: null,
      });

      // The bytes still come back so the model runs from memory this time.
      const first = await interrupted.loadModel('tiny', { source });
      expect(first.bytes).toEqual(model.weights);
      expect(first.storeError).toBeInstanceOf(ModelStoreError);
      expect(crashingChunks.puts()).toBe(Math.min(k, CHUNKS));

      // What the crash left: k orphan chunks, and never a manifest.
      expect(await keys(healthy.manifests)).toEqual([]);
      expect((await keys(healthy.chunks)).length).toBe(Math.min(k, CHUNKS));

      // A fresh page with a healthy database: not served from cache, fetched and stored whole.
      const next = new ModelCache({ stores: healthy, chunkBytes: CHUNK, fetch: server.fetch, storage: null });
      expect(await next.listCachedModels()).toEqual([]);
      const repaired = await next.loadModel('tiny', { source });
      expect(repaired.origin).toBe('network');
      expect(repaired.storeError).toBeNull();
      expect((await keys(healthy.chunks)).length).toBe(CHUNKS);
      const fromCache = await next.loadModel('tiny', { source });
      expect(fromCache.origin).toBe('cache');
      expect(fromCache.bytes).toEqual(model.weights);
      expect(server.weightRequests()).toBe(2);
    },
  );

  it('collectGarbage removes chunks no manifest owns and keeps whole models', async () => {
    const model = await servedModel(LENGTH, 3);
    const other = await servedModel(LENGTH, 4);
    const { name } = freshStores();
    const healthy = openModelStores(name);
    const whole = new ModelCache({
      stores: healthy,
      chunkBytes: CHUNK,
      fetch: fakeServer(model).fetch,
      storage: null,
    });
    await whole.loadModel('kept', { source });
    const crashing = new ModelCache({
      stores: { chunks: crashAfterPuts(healthy.chunks, 2).store, manifests: healthy.manifests },
      chunkBytes: CHUNK,
      fetch: fakeServer(other).fetch,
      storage: null,
    });
    await crashing.loadModel('partial', { source });
    expect((await keys(healthy.chunks)).length).toBe(CHUNKS + 2);
    expect(await whole.collectGarbage()).toBe(2);
    expect((await keys(healthy.chunks)).length).toBe(CHUNKS);
    expect((await whole.loadModel('kept')).origin).toBe('cache');
  });

  it('the next store of any model sweeps up orphans of another', async () => {
    const { name } = freshStores();
    const healthy = openModelStores(name);
    const crashing = new ModelCache({
      stores: { chunks: crashAfterPuts(healthy.chunks, 3).store, manifests: healthy.manifests },
      chunkBytes: CHUNK,
      fetch: fakeServer(await servedModel(LENGTH, 5)).fetch,
      storage: null,
    });
    await crashing.loadModel('abandoned', { source });
    const next = new ModelCache({
      stores: healthy,
      chunkBytes: CHUNK,
      fetch: fakeServer(await servedModel(LENGTH, 6)).fetch,
      storage: null,
    });
    await next.loadModel('other', { source });
    const left = await keys<string>(healthy.chunks);
    expect(left.length).toBe(CHUNKS);
    expect(left.every((key) => key.startsWith('other/'))).toBe(true);
  });

  it('a garbage sweep while a model is being stored leaves its chunks alone', async () => {
    const { stores } = freshStores();
    const model = await servedModel(LENGTH, 7);
    let writes = 0;
    let sweep: Promise<number> | null = null;
    const chunks: typeof stores.chunks = (mode, callback) => {
      // Mid-store: after the pre-store cleanup and two chunks.
      if (mode === 'readwrite' && ++writes === 4) sweep = cache.collectGarbage();
      return stores.chunks(mode, callback);
    };
    const cache: ModelCache = new ModelCache({
      stores: { chunks, manifests: stores.manifests },
      chunkBytes: CHUNK,
      fetch: fakeServer(model).fetch,
      storage: null,
    });
    expect((await cache.loadModel('tiny', { source })).storeError).toBeNull();
    expect(sweep).not.toBeNull();
    expect(await sweep).toBe(0);
    expect((await cache.loadModel('tiny')).bytes).toEqual(model.weights);
  });
});

describe('cancelling', () => {
  it('an abort during a stalled download rejects promptly and stores nothing', async () => {
    const model = await servedModel(LENGTH);
    const server = fakeServer(model, { weightScripts: [{ stallAfter: 1500 }] });
    const { stores } = freshStores();
    const cache = new ModelCache({ stores, chunkBytes: CHUNK, fetch: server.fetch, storage: null });
    const controller = new AbortController();
    const loading = cache.loadModel('tiny', {
      source,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loadedBytes >= 1500) controller.abort();
      },
    });
    await expect(loading).rejects.toMatchObject({ name: 'AbortError' });
    expect(await keys(stores.chunks)).toEqual([]);
    expect(await keys(stores.manifests)).toEqual([]);
  });

  it('an abort between stored chunks removes the partial chunks and writes no manifest', async () => {
    const model = await servedModel(LENGTH);
    const { stores } = freshStores();
    const controller = new AbortController();
    let puts = 0;
    const abortingChunks: typeof stores.chunks = (mode, callback) =>
      stores.chunks(mode, (store) => {
        const result = callback(store);
        if (mode === 'readwrite' && ++puts === 3) controller.abort();
        return result;
      });
    const cache = new ModelCache({
      stores: { chunks: abortingChunks, manifests: stores.manifests },
      chunkBytes: CHUNK,
      fetch: fakeServer(model).fetch,
      storage: null,
    });
    await expect(cache.loadModel('tiny', { source, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(await keys(stores.manifests)).toEqual([]);
    expect(await keys(stores.chunks)).toEqual([]);
    const again = new ModelCache({
      stores,
      chunkBytes: CHUNK,
      fetch: fakeServer(model).fetch,
      storage: null,
    });
    expect((await again.loadModel('tiny', { source })).storeError).toBeNull();
  });

  it('an already aborted signal starts nothing', async () => {
    const model = await servedModel(100);
    const server = fakeServer(model);
    const cache = new ModelCache({ stores: freshStores().stores, fetch: server.fetch, storage: null });
    await expect(cache.loadModel('tiny', { source, signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(server.requests).toEqual([]);
  });
});
