import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { get, keys } from 'idb-keyval';
import { ModelCache, openModelStores } from '../../../src/storage/models.ts';
import { DEFAULT_CHUNK_BYTES } from '../../../src/storage/chunks.ts';
import type { ByteProgress } from '../../../src/storage/fetch-progress.ts';
import { expectMonotonicProgress, fakeServer, freshStores, servedModel } from './fakes.ts';

const CHUNK = 4096;
const source = { kind: 'url', baseUrl: '/models/tiny/' } as const;

describe('chunked storage', () => {
  it('defaults to 16 MiB chunks, well under the ~127 MiB per-value limit', () => {
    expect(DEFAULT_CHUNK_BYTES).toBe(16 * 1024 * 1024);
  });

  it.each([1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17])(
    'stores %i bytes as ceil(bytes / chunk) chunks keyed <id>/<sha>/<index>, manifest last',
    async (length) => {
      const model = await servedModel(length, length);
      const server = fakeServer(model);
      const { stores } = freshStores();
      const cache = new ModelCache({ stores, chunkBytes: CHUNK, fetch: server.fetch, storage: null });

      const loaded = await cache.loadModel('tiny', { source });
      expect(loaded.origin).toBe('network');
      expect(loaded.storeError).toBeNull();
      expect(loaded.bytes).toEqual(model.weights);

      const sha = model.config.sha256 as string;
      const expectedCount = Math.ceil(length / CHUNK);
      const chunkKeys = (await keys<string>(stores.chunks)).sort();
      expect(chunkKeys).toEqual(Array.from({ length: expectedCount }, (_, i) => `tiny/${sha}/${i}`).sort());
      for (const key of chunkKeys) {
        const value = await get<ArrayBuffer>(key, stores.chunks);
        expect(value!.byteLength).toBeLessThanOrEqual(CHUNK);
      }
      const manifest = await get<Record<string, unknown>>('tiny', stores.manifests);
      expect(manifest).toMatchObject({
        id: 'tiny',
        sha256: sha,
        bytes: length,
        chunkCount: expectedCount,
        chunkBytes: CHUNK,
        config: model.config,
      });
      expect(typeof manifest!.storedAt).toBe('number');

      const events: ByteProgress[] = [];
      const again = await cache.loadModel('tiny', { source, onProgress: (p) => events.push(p) });
      expect(again.origin).toBe('cache');
      expect(again.bytes).toEqual(model.weights);
      expect(again.config).toEqual(model.config);
      expect(server.weightRequests()).toBe(1);
      expect(events.every((e) => e.phase === 'read-cache')).toBe(true);
      expectMonotonicProgress(events, length);
    },
  );

  it('serves the cache with the network gone and no source given', async () => {
    const model = await servedModel(10_000);
    const { name } = freshStores();
    const online = new ModelCache({
      stores: openModelStores(name),
      chunkBytes: CHUNK,
      fetch: fakeServer(model).fetch,
      storage: null,
    });
    await online.loadModel('tiny', { source });
    const offline = new ModelCache({
      stores: openModelStores(name),
      chunkBytes: CHUNK,
      fetch: fakeServer(model, { offline: true }).fetch,
      storage: null,
    });
    const loaded = await offline.loadModel('tiny');
    expect(loaded.origin).toBe('cache');
    expect(loaded.bytes).toEqual(model.weights);
  });

  it('refuses bad chunk sizes and model ids at construction and call', async () => {
    expect(() => new ModelCache({ chunkBytes: 0, storage: null, stores: freshStores().stores })).toThrow(
      RangeError,
    );
    expect(
      () => new ModelCache({ chunkBytes: 128 * 2 ** 20, storage: null, stores: freshStores().stores }),
    ).toThrow(RangeError);
    const cache = new ModelCache({
      stores: freshStores().stores,
      storage: null,
      fetch: async () => new Response(),
    });
    await expect(cache.loadModel('../etc', { source })).rejects.toThrow(/model id "..\/etc" must be/);
    await expect(cache.loadModel('a/b', { source })).rejects.toThrow(/must be/);
  });
});
