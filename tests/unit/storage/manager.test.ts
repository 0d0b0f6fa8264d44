import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { keys, set } from 'idb-keyval';
import { ModelCache, type StorageLike } from '../../../src/storage/models.ts';
import { fakeServer, freshStores, servedModel } from './fakes.ts';

const source = { kind: 'url', baseUrl: '/models/any/' } as const;

async function cacheWithTwoModels(storage: StorageLike | null = null) {
  const small = await servedModel(1500, 1);
  const large = await servedModel(4000, 2);
  const { stores } = freshStores();
  const make = (fetch: ReturnType<typeof fakeServer>['fetch']) =>
    new ModelCache({ stores, chunkBytes: 1000, fetch, storage });
  await make(fakeServer(small).fetch).loadModel('small', { source });
  await make(fakeServer(large).fetch).loadModel('large', { source });
  return { stores, cache: make(fakeServer(small, { offline: true }).fetch), small, large };
}

describe('model manager', () => {
  it('lists cached models with bytes, hash and time, sorted by id', async () => {
    const before = Date.now();
    const { cache, small, large } = await cacheWithTwoModels();
    const list = await cache.listCachedModels();
    expect(list.map(({ id, bytes, sha256 }) => ({ id, bytes, sha256 }))).toEqual([
      { id: 'large', bytes: 4000, sha256: large.config.sha256 },
      { id: 'small', bytes: 1500, sha256: small.config.sha256 },
    ]);
    for (const entry of list) {
      expect(entry.storedAt).toBeGreaterThanOrEqual(before);
      expect(entry.storedAt).toBeLessThanOrEqual(Date.now());
    }
  });

  it('ignores records in the manifest store that are not manifests', async () => {
    const { cache, stores } = await cacheWithTwoModels();
    await set('junk', { hello: 'world' }, stores.manifests);
    expect((await cache.listCachedModels()).map((m) => m.id)).toEqual(['large', 'small']);
  });

  it('deletes one model, its manifest and every chunk, leaving the other whole', async () => {
    const { cache, stores, large } = await cacheWithTwoModels();
    await cache.deleteModel('small');
    expect((await cache.listCachedModels()).map((m) => m.id)).toEqual(['large']);
    const chunkKeys = await keys<string>(stores.chunks);
    expect(chunkKeys.length).toBe(4);
    expect(chunkKeys.every((k) => k.startsWith('large/'))).toBe(true);
    expect((await cache.loadModel('large')).bytes).toEqual(large.weights);
    await expect(cache.loadModel('small')).rejects.toThrow('model small is not cached');
    await cache.deleteModel('never-stored');
  });

  it('a model id that prefixes another does not take the other down', async () => {
    const { stores } = freshStores();
    const model = await servedModel(500);
    const cache = new ModelCache({ stores, chunkBytes: 100, fetch: fakeServer(model).fetch, storage: null });
    await cache.loadModel('dit', { source });
    await cache.loadModel('dit-b', { source });
    await cache.deleteModel('dit');
    expect((await cache.loadModel('dit-b')).origin).toBe('cache');
  });

  it('clears everything', async () => {
    const { cache, stores } = await cacheWithTwoModels();
    await cache.clearAll();
    expect(await cache.listCachedModels()).toEqual([]);
    expect(await keys(stores.chunks)).toEqual([]);
  });

  it('reports usage from the browser estimate, or the cached bytes when there is none', async () => {
    const withEstimate = await cacheWithTwoModels({ estimate: async () => ({ usage: 123, quota: 456 }) });
    expect(await withEstimate.cache.storageUsage()).toEqual({ usedBytes: 123, quotaBytes: 456 });
    const without = await cacheWithTwoModels(null);
    expect(await without.cache.storageUsage()).toEqual({ usedBytes: 5500, quotaBytes: null });
  });
});
