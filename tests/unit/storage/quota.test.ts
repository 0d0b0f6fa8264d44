import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { keys } from 'idb-keyval';
import { ModelCache, QuotaError, type StorageLike } from '../../../src/storage/models.ts';
import { fakeServer, refusePutsAfter, freshStores, servedModel } from './fakes.ts';

const source = { kind: 'url', baseUrl: '/models/tiny/' } as const;

function fakeStorage(usage: number, quota: number) {
  const calls = { persist: 0, persisted: 0 };
  const storage: StorageLike = {
    estimate: async () => ({ usage, quota }),
    persisted: async () => (calls.persisted++, false),
    persist: async () => (calls.persist++, true),
  };
  return { storage, calls };
}

describe('quota', () => {
  it('refuses to store a model that does not fit, saying needed and free, yet returns its bytes', async () => {
    const model = await servedModel(5000);
    const { stores } = freshStores();
    const { storage, calls } = fakeStorage(9_000, 12_000);
    const cache = new ModelCache({ stores, chunkBytes: 1024, fetch: fakeServer(model).fetch, storage });
    const loaded = await cache.loadModel('tiny', { source });
    expect(loaded.bytes).toEqual(model.weights);
    expect(loaded.storeError).toBeInstanceOf(QuotaError);
    const error = loaded.storeError as QuotaError;
    expect(error.name).toBe('QuotaError');
    expect(error.neededBytes).toBe(5000);
    expect(error.freeBytes).toBe(3000);
    expect(error.message).toBe('caching the model needs 5000 bytes of storage, and 3000 bytes is free');
    expect(await keys(stores.chunks)).toEqual([]);
    expect(await keys(stores.manifests)).toEqual([]);
    expect(calls.persist).toBe(0);
  });

  it('turns an IndexedDB QuotaExceededError mid-store into a QuotaError and leaves no chunks', async () => {
    const model = await servedModel(5000);
    const { stores } = freshStores();
    const full = refusePutsAfter(stores.chunks, 2, () => new DOMException('full', 'QuotaExceededError'));
    const cache = new ModelCache({
      stores: { chunks: full, manifests: stores.manifests },
      chunkBytes: 1024,
      fetch: fakeServer(model).fetch,
      storage: fakeStorage(0, 1e9).storage,
    });
    const loaded = await cache.loadModel('tiny', { source });
    expect(loaded.bytes).toEqual(model.weights);
    expect(loaded.storeError).toBeInstanceOf(QuotaError);
    expect((loaded.storeError as QuotaError).cause).toMatchObject({ name: 'QuotaExceededError' });
    expect(await keys(stores.manifests)).toEqual([]);
    expect(await keys(stores.chunks)).toEqual([]);
  });

  it('asks for persistent storage once, after the first successful store', async () => {
    const { storage, calls } = fakeStorage(0, 1e9);
    const a = await servedModel(100, 1);
    const cache = new ModelCache({ stores: freshStores().stores, fetch: fakeServer(a).fetch, storage });
    expect(calls.persist).toBe(0);
    await cache.loadModel('one', { source });
    await cache.loadModel('two', { source });
    expect(calls.persist).toBe(1);
  });

  it('stores without asking when the browser cannot estimate', async () => {
    const model = await servedModel(100);
    const cache = new ModelCache({
      stores: freshStores().stores,
      fetch: fakeServer(model).fetch,
      storage: {},
    });
    expect((await cache.loadModel('tiny', { source })).storeError).toBeNull();
  });
});
