import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { get, keys, set } from 'idb-keyval';
import { IntegrityError, ModelCache, ModelSourceError } from '../../../src/storage/models.ts';
import { sha256Hex } from '../../../src/storage/sha256.ts';
import { fakeServer, freshStores, modelBytes, servedModel } from './fakes.ts';

const CHUNK = 1024;
const source = { kind: 'url', baseUrl: 'https://huggingface.co/tessera/tiny/resolve/main' } as const;

async function cachedSetup(length = 5 * CHUNK + 3) {
  const model = await servedModel(length);
  const server = fakeServer(model);
  const { stores } = freshStores();
  const cache = new ModelCache({ stores, chunkBytes: CHUNK, fetch: server.fetch, storage: null });
  await cache.loadModel('tiny', { source });
  return { model, server, stores, cache, sha: model.config.sha256 as string };
}

describe('integrity', () => {
  it('refuses weights that do not match config.sha256, naming both hashes, and stores nothing', async () => {
    const model = await servedModel(3000);
    const wrong = 'ab'.repeat(32);
    const server = fakeServer({ ...model, config: { ...model.config, sha256: wrong.toUpperCase() } });
    const { stores } = freshStores();
    const cache = new ModelCache({ stores, chunkBytes: CHUNK, fetch: server.fetch, storage: null });
    const error = await cache.loadModel('tiny', { source }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    const integrity = error as IntegrityError;
    expect(integrity.name).toBe('IntegrityError');
    expect(integrity.expectedSha256).toBe(wrong);
    expect(integrity.actualSha256).toBe(model.config.sha256);
    expect(integrity.message).toContain(wrong);
    expect(integrity.message).toContain(model.config.sha256 as string);
    expect(await keys(stores.chunks)).toEqual([]);
    expect(await keys(stores.manifests)).toEqual([]);
  });

  it('refuses a URL model whose config has no sha256', async () => {
    const model = await servedModel(100);
    const server = fakeServer({ ...model, config: { format: 'tessera' } });
    const cache = new ModelCache({ stores: freshStores().stores, fetch: server.fetch, storage: null });
    await expect(cache.loadModel('tiny', { source })).rejects.toThrow(ModelSourceError);
    expect(server.weightRequests()).toBe(0);
  });

  it('detects a corrupted stored chunk and fetches the model again', async () => {
    const { model, server, stores, cache, sha } = await cachedSetup();
    const key = `tiny/${sha}/2`;
    const damaged = new Uint8Array((await get<ArrayBuffer>(key, stores.chunks))!);
    damaged[100]! ^= 0x01;
    await set(key, damaged.buffer, stores.chunks);

    const repaired = await cache.loadModel('tiny', { source });
    expect(repaired.origin).toBe('network');
    expect(repaired.cacheProblem).toBe('chunk 2 does not match its sha256');
    expect(repaired.bytes).toEqual(model.weights);
    expect(server.weightRequests()).toBe(2);

    const after = await cache.loadModel('tiny', { source });
    expect(after.origin).toBe('cache');
    expect(after.bytes).toEqual(model.weights);
  });

  it('detects a missing or resized chunk', async () => {
    const { stores, cache, sha } = await cachedSetup();
    await set(`tiny/${sha}/4`, new ArrayBuffer(7), stores.chunks);
    expect((await cache.loadModel('tiny', { source })).cacheProblem).toBe(
      'chunk 4 holds 7 bytes, expected 1024',
    );
    await stores.chunks('readwrite', (s) => s.delete(`tiny/${sha}/0`));
    expect((await cache.loadModel('tiny', { source })).cacheProblem).toBe('chunk 0 is missing');
  });

  it('treats a malformed manifest as no cache', async () => {
    const { stores, cache } = await cachedSetup();
    await set('tiny', { version: 1, id: 'tiny', bytes: 'lots' }, stores.manifests);
    const loaded = await cache.loadModel('tiny', { source });
    expect(loaded.origin).toBe('network');
    expect(loaded.cacheProblem).toBe('its manifest is malformed');
  });

  it('without a source, a damaged cache is deleted and reported', async () => {
    const { stores, cache, sha } = await cachedSetup();
    await set(`tiny/${sha}/1`, new ArrayBuffer(CHUNK), stores.chunks);
    await expect(cache.loadModel('tiny')).rejects.toThrow(
      'cached model tiny is unusable (chunk 1 does not match its sha256) and no source was given',
    );
    expect(await cache.listCachedModels()).toEqual([]);
    expect(await keys(stores.chunks)).toEqual([]);
    await expect(cache.loadModel('tiny')).rejects.toThrow('model tiny is not cached and no source was given');
  });

  it('re-fetches a stale copy when the caller expects another hash, keeping it until replaced', async () => {
    const { cache, sha } = await cachedSetup();
    const other = 'cd'.repeat(32);
    await expect(cache.loadModel('tiny', { expectedSha256: other })).rejects.toThrow(/has sha256/);
    expect((await cache.listCachedModels())[0]?.sha256).toBe(sha);
    expect((await cache.loadModel('tiny', { expectedSha256: sha.toUpperCase() })).origin).toBe('cache');
    await expect(cache.loadModel('tiny', { expectedSha256: 'xyz' })).rejects.toThrow(/not a sha256/);
  });
});

describe('local files', () => {
  it('hashes a dropped file, returns the hash and caches it', async () => {
    const weights = modelBytes(2500, 7);
    const { stores } = freshStores();
    const cache = new ModelCache({
      stores,
      chunkBytes: CHUNK,
      fetch: async () => Response.error(),
      storage: null,
    });
    const loaded = await cache.loadModel('mine', {
      source: { kind: 'file', weights: new Blob([weights]), config: new Blob(['{"format":"tessera"}']) },
    });
    const sha = await sha256Hex(weights);
    expect(loaded).toMatchObject({ origin: 'file', sha256: sha, storeError: null });
    expect(loaded.config).toEqual({ format: 'tessera', sha256: sha });
    expect(loaded.bytes).toEqual(weights);
    expect((await cache.loadModel('mine')).origin).toBe('cache');
  });

  it('checks a local file against the sha256 its config names', async () => {
    const cache = new ModelCache({
      stores: freshStores().stores,
      storage: null,
      fetch: async () => Response.error(),
    });
    const wrong = '00'.repeat(32);
    const attempt = cache.loadModel('mine', {
      source: { kind: 'file', weights: new Blob([modelBytes(10)]), config: { sha256: wrong } },
    });
    await expect(attempt).rejects.toBeInstanceOf(IntegrityError);
    await expect(
      cache.loadModel('mine', { source: { kind: 'file', weights: new Blob([]), config: new Blob(['[1]']) } }),
    ).rejects.toThrow('config.json must hold a JSON object');
  });

  it('a dropped file replaces the cached copy of the same id', async () => {
    const { cache } = await cachedSetup();
    const weights = modelBytes(300, 99);
    const loaded = await cache.loadModel('tiny', {
      source: { kind: 'file', weights: new Blob([weights]), config: {} },
    });
    expect(loaded.origin).toBe('file');
    expect((await cache.loadModel('tiny')).bytes).toEqual(weights);
  });
});
