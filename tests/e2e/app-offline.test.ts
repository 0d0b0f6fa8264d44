// Weights that arrive once: the first visit downloads and stores the default model, later visits
// load it from IndexedDB without the network, a damaged stored chunk is caught and fetched again,
// and with the service worker installed the whole app starts and generates offline.
// The tests share one browser profile and run in order.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { formatBytes } from '../../src/app/lib/format.ts';
import { openBrowser, type Session } from './browser.ts';
import { shot } from './app-helpers.ts';

interface Catalogue {
  models: { id: string; path: string; default?: boolean }[];
}
const catalogue = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as Catalogue;
const model = catalogue.models.find((m) => m.default)!;
const weightsBytes = statSync(join('public', model.path, 'model.safetensors')).size;

const profile = mkdtempSync(join(tmpdir(), 'tessera-offline-'));
let session: Session | null = null;
afterAll(async () => {
  await session?.close();
  rmSync(profile, { recursive: true, force: true });
});

async function reopen(): Promise<Session> {
  await session?.close();
  session = await openBrowser({ userDataDir: profile });
  await recordStatusLine(session.context);
  return session;
}

/** Every text the model status shows, kept in the page: a progress state may last one frame. */
async function recordStatusLine(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const log: string[] = [];
    Object.assign(window, { statusLog: log });
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid=status-model]')?.textContent?.trim();
      if (text && text !== log.at(-1)) log.push(text.replace(/\s+/g, ' '));
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

function statusLog(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { statusLog: string[] }).statusLog);
}

/** URLs of the model's own files (not the catalogue) that this context asks the network for. */
function watchModelRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => {
    if (request.url().includes(`/${model.path}`)) urls.push(new URL(request.url()).pathname);
  });
  return urls;
}

async function waitForModel(page: Page): Promise<void> {
  await expect
    .poll(() => page.getByTestId('status-model').textContent(), { timeout: 120_000 })
    .toMatch(new RegExp(`${model.id} loaded|not loaded`));
  expect(await page.getByTestId('status-model').textContent()).toMatch(`${model.id} loaded`);
}

/** One denoising step: the cheapest generation that runs the whole model and saves a clip. */
async function generateOneStep(page: Page): Promise<void> {
  await page.getByTestId('steps').selectOption('1');
  await page.getByTestId('prompt').fill('one big red ball, slow, strong gravity');
  await page.getByTestId('generate').click();
  await expect
    .poll(() => page.getByTestId('saved').textContent(), { timeout: 180_000 })
    .toMatch(/Saved to the Gallery/);
}

/** Each stored chunk of the model: its key, the sha256 its manifest expects, and the one it has. */
function storedChunks(page: Page, id: string) {
  return page.evaluate(async (id) => {
    const done = <T>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const read = async (database: string, store: string, key: IDBValidKey | IDBKeyRange) => {
      const db = await done(indexedDB.open(database));
      try {
        return await done(db.transaction(store).objectStore(store).getAll(key));
      } finally {
        db.close();
      }
    };
    const [manifest] = (await read('tessera-model-manifests', 'manifests', id)) as {
      sha256: string;
      chunkSha256: string[];
    }[];
    if (!manifest) return [];
    const chunks = (await read(
      'tessera-model-chunks',
      'chunks',
      IDBKeyRange.bound(`${id}/${manifest.sha256}/`, `${id}/${manifest.sha256}/\uffff`),
    )) as ArrayBuffer[];
    return Promise.all(
      manifest.chunkSha256.map(async (expected, index) => {
        const bytes = chunks[index];
        const digest = bytes ? new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)) : null;
        const actual = digest ? [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') : null;
        return { key: `${id}/${manifest.sha256}/${index}`, expected, actual };
      }),
    );
  }, id);
}

/** Flips one byte in the middle of a stored chunk, keeping its length, with raw IndexedDB calls. */
function corruptChunk(page: Page, key: string): Promise<void> {
  return page.evaluate(async (key) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('tessera-model-chunks');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('chunks', 'readwrite');
    const store = tx.objectStore('chunks');
    const get = store.get(key);
    get.onsuccess = () => {
      const bytes = new Uint8Array((get.result as ArrayBuffer).slice(0));
      bytes[bytes.length >> 1]! ^= 0xff;
      store.put(bytes.buffer, key);
    };
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, key);
}

describe('weights that arrive once', () => {
  it('downloads the model on the first visit with progress, and keeps it on the device', async () => {
    const { page, context } = await reopen();
    const requested = watchModelRequests(context);
    await page.goto(`${inject('baseUrl')}?steps=1#/create`);
    await waitForModel(page);
    expect(requested).toContain(`/${model.path}model.safetensors`);
    const log = await statusLog(page);
    // Progress in between, not only a jump to the end.
    expect(log, log.join('\n')).toContainEqual(expect.stringMatching(/downloading [1-9]\d?%/));
    expect(log).toContainEqual(expect.stringMatching(/downloading 100%/));
    expect(log).not.toContainEqual(expect.stringMatching(/reading the cache/));

    await page.getByTestId('nav-models').click();
    const cached = page.getByRole('region', { name: 'Cached on this device' });
    const row = cached.getByRole('row').filter({ hasText: model.id });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.textContent()).toContain(formatBytes(weightsBytes));
    const chunks = await storedChunks(page, model.id);
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk.actual).toBe(chunk.expected);
    await shot(page, 'app-offline-models-cached-desktop');

    // The service worker has installed and taken this page: the next visit is served by it.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  });

  it('loads from IndexedDB after a browser restart with every model request failing, and generates', async () => {
    const { page, context } = await reopen();
    const requested = watchModelRequests(context);
    // The catalogue (models/index.json) comes from the service worker's precache; weights and
    // config would have to come from here, and fail.
    await context.route('**/models/**', (route) => route.abort('internetdisconnected'));
    await page.goto(`${inject('baseUrl')}?steps=1#/create`);
    await waitForModel(page);
    const log = await statusLog(page);
    expect(log, log.join('\n')).toContainEqual(expect.stringMatching(/reading the cache/));
    expect(log).not.toContainEqual(expect.stringMatching(/downloading/));
    expect(requested).toEqual([]);
    await generateOneStep(page);
    await context.unrouteAll();
  });

  it('notices a damaged stored chunk, fetches the model again and loads it', async () => {
    const { page, context } = session!;
    const [first] = await storedChunks(page, model.id);
    await corruptChunk(page, first!.key);
    const [damaged] = await storedChunks(page, model.id);
    expect(damaged!.actual).not.toBe(damaged!.expected);

    const requested = watchModelRequests(context);
    await page.reload();
    await waitForModel(page);
    const log = await statusLog(page);
    expect(log, log.join('\n')).toContainEqual(expect.stringMatching(/downloading \d+%/));
    expect(requested).toContain(`/${model.path}model.safetensors`);
    for (const chunk of await storedChunks(page, model.id)) expect(chunk.actual).toBe(chunk.expected);
  });

  it('starts and generates with the whole browser offline, from the service worker and IndexedDB', async () => {
    const { page, context } = session!;
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    // A model file only the network has: reachable now, not once offline.
    const probe = () =>
      page.evaluate(
        (url) =>
          fetch(url, { cache: 'no-store' }).then(
            (response) => (response.ok ? 'reached' : 'failed'),
            () => 'failed',
          ),
        `${model.path}config.json`,
      );
    expect(await probe()).toBe('reached');
    await context.setOffline(true);
    const response = await page.reload();
    expect(response?.fromServiceWorker()).toBe(true);
    await page.getByTestId('generate').waitFor();
    // The cached page keeps its COOP/COEP/CSP headers, so it is still cross-origin isolated.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await probe()).toBe('failed');
    await waitForModel(page);
    expect(await statusLog(page)).not.toContainEqual(expect.stringMatching(/downloading/));
    await generateOneStep(page);
    await shot(page, 'app-offline-generated-desktop');
    await context.setOffline(false);
  });
});
