// model.onnx beside the weights: fetched only when asked for, verified against the sha256 that
// config.json names, stored in chunks with its manifest last, and deleted with its model.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { get, keys, set } from 'idb-keyval';
import { IntegrityError, ModelCache, ModelSourceError } from '../../../src/storage/models.ts';
import { sha256Hex } from '../../../src/storage/sha256.ts';
import { fakeServer, freshStores, modelBytes, servedModel, type ServerOptions } from './fakes.ts';

const CHUNK = 1000;
const source = { kind: 'url', baseUrl: '/models/tiny/' } as const;

async function setup(options: ServerOptions = {}, onnxLength = 2500) {
  const model = await servedModel(1500);
  const onnx = modelBytes(onnxLength, 7);
  const server = fakeServer(model, { files: { 'model.onnx': onnx }, ...options });
  const { stores } = freshStores();
  const cache = new ModelCache({ stores, chunkBytes: CHUNK, fetch: server.fetch, storage: null });
  await cache.loadModel('tiny', { source });
  const onnxRequests = () => server.requests.filter((r) => r.url.endsWith('/model.onnx')).length;
  return { model, onnx, sha256: await sha256Hex(onnx), server, stores, cache, onnxRequests };
}

describe('model files beside the weights (model.onnx)', () => {
  it('is not fetched with the weights, only when asked for; then it comes from the cache', async () => {
    const { onnx, sha256, cache, stores, onnxRequests } = await setup();
    expect(onnxRequests()).toBe(0);
    const first = await cache.loadFile('tiny', 'model.onnx', { source, sha256 });
    expect(first).toMatchObject({ origin: 'network', sha256, cacheProblem: null, storeError: null });
    expect(first.bytes).toEqual(onnx);
    expect(await keys(stores.manifests)).toContain('tiny/model.onnx');

    const offline = new ModelCache({
      stores,
      chunkBytes: CHUNK,
      fetch: fakeServer(await servedModel(1), { offline: true }).fetch,
      storage: null,
    });
    const again = await offline.loadFile('tiny', 'model.onnx', { source, sha256 });
    expect(again.origin).toBe('cache');
    expect(again.bytes).toEqual(onnx);
    expect(onnxRequests()).toBe(1);
    const [listed] = await offline.listCachedModels();
    expect(listed!.files).toEqual([{ file: 'model.onnx', bytes: onnx.byteLength }]);
    expect((await offline.loadModel('tiny')).origin).toBe('cache'); // the weights are untouched
  });

  it('refuses bytes that do not match the expected sha256 and stores nothing', async () => {
    const { cache, stores, sha256 } = await setup();
    const wrong = 'ab'.repeat(32);
    const error = await cache
      .loadFile('tiny', 'model.onnx', { source, sha256: wrong })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).actualSha256).toBe(sha256);
    expect(await keys(stores.manifests)).toEqual(['tiny']);
    expect((await keys<string>(stores.chunks)).every((k) => !k.includes(sha256))).toBe(true);
  });

  it('treats a copy with another hash as stale and replaces it, chunks included', async () => {
    const { cache, stores, sha256, server, onnxRequests } = await setup();
    await cache.loadFile('tiny', 'model.onnx', { source, sha256 });
    // A new export is deployed: same name, new bytes, new hash in config.json.
    const newer = modelBytes(1800, 9);
    const newSha = await sha256Hex(newer);
    const updated = new ModelCache({
      stores,
      chunkBytes: CHUNK,
      fetch: fakeServer(await servedModel(1500), { files: { 'model.onnx': newer } }).fetch,
      storage: null,
    });
    const loaded = await updated.loadFile('tiny', 'model.onnx', { source, sha256: newSha });
    expect(loaded.origin).toBe('network');
    expect(loaded.cacheProblem).toMatch(/cached copy has sha256/);
    expect(loaded.bytes).toEqual(newer);
    const chunkKeys = await keys<string>(stores.chunks);
    expect(chunkKeys.some((k) => k.startsWith(`tiny/${sha256}/`))).toBe(false);
    expect(chunkKeys.filter((k) => k.startsWith(`tiny/${newSha}/`)).length).toBe(2);
    expect(onnxRequests()).toBe(1);
    expect(server.requests.length).toBeGreaterThan(0);
  });

  it('detects a damaged chunk and fetches the file again', async () => {
    const { cache, stores, sha256, onnx, onnxRequests } = await setup();
    await cache.loadFile('tiny', 'model.onnx', { source, sha256 });
    const key = `tiny/${sha256}/1`;
    const damaged = new Uint8Array((await get<ArrayBuffer>(key, stores.chunks))!);
    damaged[10]! ^= 0x10;
    await set(key, damaged.buffer, stores.chunks);
    const repaired = await cache.loadFile('tiny', 'model.onnx', { source, sha256 });
    expect(repaired).toMatchObject({ origin: 'network', cacheProblem: 'chunk 1 does not match its sha256' });
    expect(repaired.bytes).toEqual(onnx);
    expect(onnxRequests()).toBe(2);
    expect((await cache.loadFile('tiny', 'model.onnx', { source, sha256 })).origin).toBe('cache');
  });

  it('resumes a download that breaks mid-body', async () => {
    const { cache, sha256, onnx, server } = await setup({
      supportsRange: true,
      fileScripts: [{ errorAfter: 1200 }],
    });
    const loaded = await cache.loadFile('tiny', 'model.onnx', { source, sha256 });
    expect(loaded.bytes).toEqual(onnx);
    const ranges = server.requests.filter((r) => r.url.endsWith('/model.onnx')).map((r) => r.range);
    expect(ranges).toEqual([null, 'bytes=1200-']);
  });

  it('goes with its model: deleted with it, and never collected as garbage while it stands', async () => {
    const { cache, stores, sha256 } = await setup();
    await cache.loadFile('tiny', 'model.onnx', { source, sha256 });
    // Storing another model collects garbage: the file's chunks have an owner.
    const other = await servedModel(700, 3);
    await new ModelCache({
      stores,
      chunkBytes: CHUNK,
      fetch: fakeServer(other).fetch,
      storage: null,
    }).loadModel('other', { source });
    expect((await cache.loadFile('tiny', 'model.onnx', { source, sha256 })).origin).toBe('cache');
    expect((await cache.storageUsage()).usedBytes).toBe(1500 + 2500 + 700);
    await cache.deleteModel('tiny');
    expect(await keys(stores.manifests)).toEqual(['other']);
    expect((await keys<string>(stores.chunks)).every((k) => k.startsWith('other/'))).toBe(true);
  });

  it('says what is missing when there is no copy and no source, and refuses unknown file names', async () => {
    const { cache, sha256 } = await setup();
    await expect(cache.loadFile('tiny', 'model.onnx', { sha256 })).rejects.toThrow(
      'model.onnx of model tiny is not cached and no source was given',
    );
    await expect(cache.loadFile('tiny', 'config.json' as 'model.onnx', { source, sha256 })).rejects.toThrow(
      ModelSourceError,
    );
    await expect(cache.loadFile('tiny', 'model.onnx', { source, sha256: 'nope' })).rejects.toThrow(
      /is not a sha256 hex digest/,
    );
  });
});
