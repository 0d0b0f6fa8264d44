import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { keys } from 'idb-keyval';
import { ModelCache, ModelSourceError } from '../../../src/storage/models.ts';
import type { ByteProgress } from '../../../src/storage/fetch-progress.ts';
import { expectMonotonicProgress, fakeServer, freshStores, servedModel, steppingClock } from './fakes.ts';

const LENGTH = 10_000;
const source = { kind: 'url', baseUrl: '/models/tiny' } as const;

async function load(options: Parameters<typeof fakeServer>[1], maxResumes = 3) {
  const model = await servedModel(LENGTH);
  const server = fakeServer(model, options);
  const { stores } = freshStores();
  const cache = new ModelCache({ stores, chunkBytes: 4096, fetch: server.fetch, storage: null, maxResumes });
  const events: ByteProgress[] = [];
  const result = cache.loadModel('tiny', { source, onProgress: (p) => events.push(p) });
  return { model, server, stores, events, result };
}

describe('downloading', () => {
  it('fetches config.json and model.safetensors under the base URL', async () => {
    const { server, result, model } = await load({});
    expect((await result).bytes).toEqual(model.weights);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/models/tiny/config.json',
      '/models/tiny/model.safetensors',
    ]);
  });

  it('reports monotonic progress ending at loaded == total, with rate and ETA', async () => {
    const model = await servedModel(LENGTH);
    const cache = new ModelCache({
      stores: freshStores().stores,
      fetch: fakeServer(model, { pieceBytes: 1000 }).fetch,
      storage: null,
      now: steppingClock(100),
    });
    const events: ByteProgress[] = [];
    await cache.loadModel('tiny', { source, onProgress: (p) => events.push(p) });
    expectMonotonicProgress(events, LENGTH);
    expect(events.length).toBeGreaterThanOrEqual(10);
    for (const event of events) {
      expect(event.phase).toBe('download');
      expect(event.totalBytes).toBe(LENGTH);
      expect(event.bytesPerSecond).toBeGreaterThan(0);
      expect(event.etaSeconds).toBeCloseTo((LENGTH - event.loadedBytes) / event.bytesPerSecond, 9);
    }
    expect(events.at(-1)!.etaSeconds).toBe(0);
  });

  it('without Content-Length the total is unknown until the end', async () => {
    const { events, result } = await load({ sendLength: false });
    await result;
    expect(events.slice(0, -1).every((e) => e.totalBytes === null && e.etaSeconds === null)).toBe(true);
    expectMonotonicProgress(events, LENGTH);
  });

  it('resumes a broken body with a Range request from the byte it reached', async () => {
    const { server, events, result, model } = await load({
      supportsRange: true,
      weightScripts: [{ errorAfter: 3000 }, { endAfter: 2500 }],
    });
    expect((await result).bytes).toEqual(model.weights);
    const ranges = server.requests.filter((r) => r.url.endsWith('.safetensors')).map((r) => r.range);
    expect(ranges).toEqual([null, 'bytes=3000-', 'bytes=5500-']);
    expectMonotonicProgress(events, LENGTH);
  });

  it('starts over when the server ignores Range, and progress never goes back', async () => {
    const { server, events, result, model } = await load({
      supportsRange: false,
      weightScripts: [{ errorAfter: 6000 }],
    });
    expect((await result).bytes).toEqual(model.weights);
    expect(server.weightRequests()).toBe(2);
    expectMonotonicProgress(events, LENGTH);
  });

  it('gives up on a body that keeps ending early, saying how far it got, and stores nothing', async () => {
    const cutOff = Array.from({ length: 3 }, () => ({ endAfter: 4000 }));
    const { server, stores, result } = await load({ weightScripts: cutOff }, 2);
    await expect(result).rejects.toThrow(
      'download of /models/tiny/model.safetensors failed after 4000 of 10000 bytes and 2 resumes: the body ended early',
    );
    expect(server.weightRequests()).toBe(3);
    expect(await keys(stores.chunks)).toEqual([]);
  });

  it('a truncated body without Content-Length fails the hash check', async () => {
    const { result } = await load({ sendLength: false, weightScripts: [{ endAfter: 4000 }] });
    await expect(result).rejects.toMatchObject({ name: 'IntegrityError' });
  });

  it('names the URL when the network is down or the server says no', async () => {
    const offline = await load({ offline: true });
    await expect(offline.result).rejects.toThrow('could not reach /models/tiny/config.json: Failed to fetch');
    const missing = await load({ status: 404 });
    await expect(missing.result).rejects.toThrow('GET /models/tiny/config.json answered 404 Not Found');
    await expect(missing.result).rejects.toBeInstanceOf(ModelSourceError);
  });
});
