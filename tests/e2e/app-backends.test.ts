// onnxruntime-web as the app's second backend: a browser without WebGPU still generates (on
// its wasm kernels), the same request gives the same clip on the WGSL engine and on
// onnxruntime, and 'auto' times the backends once per device and remembers the fastest.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';
import {
  ballPixels,
  byteDifference,
  galleryClips,
  galleryCount,
  hideWebGpuFromWorker,
  shot,
} from './app-helpers.ts';

interface Catalogue {
  models: { id: string; path: string; default?: boolean }[];
}
const catalogue = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as Catalogue;
const model = catalogue.models.find((m) => m.default)!;
const PROMPT = 'two balls, big red and small blue, slow, strong gravity';

let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

async function openCreate(page: Page, seed: number): Promise<void> {
  const query = new URLSearchParams({ prompt: PROMPT, seed: String(seed), steps: '4', model: model.id });
  await page.goto(`${inject('baseUrl')}?${query}#/create`);
  await expect
    .poll(() => page.getByTestId('status-model').textContent(), { timeout: 120_000 })
    .toMatch(new RegExp(`${model.id} loaded|not loaded`));
  expect(await page.getByTestId('status-model').textContent()).toMatch(`${model.id} loaded`);
}

/** Generates with the form as it is; returns the progress line once the clip is in the Gallery. */
async function generate(page: Page, timeout = 300_000): Promise<string> {
  const before = await galleryCount(page);
  await page.getByTestId('generate').click();
  await expect
    .poll(
      async () => {
        if (await page.getByTestId('generate-error').count()) {
          throw new Error(`generation failed: ${await page.getByTestId('generate-error').textContent()}`);
        }
        return galleryCount(page);
      },
      { timeout },
    )
    .toBe(before + 1);
  return (await page.getByTestId('progress').textContent()) ?? '';
}

async function chooseBackend(page: Page, backend: string): Promise<void> {
  const advanced = page.getByTestId('advanced');
  if (!(await advanced.evaluate((el) => (el as HTMLDetailsElement).open))) {
    await advanced.locator('summary').click();
  }
  await page.getByTestId('backend-select').selectOption(backend);
}

/** Paths of the default model's model.onnx that this page asks the network for. */
function watchOnnx(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith(`/${model.path}model.onnx`)) urls.push(new URL(request.url()).pathname);
  });
  return urls;
}

describe('a browser without WebGPU', () => {
  it('loads the default model and generates a clip on onnx-wasm, keeping the explanation as a notice', async () => {
    session = await openBrowser({ backend: null });
    const { page } = session;
    await hideWebGpuFromWorker(page);
    const onnxRequests = watchOnnx(page);
    await openCreate(page, 5);
    const notice = page.getByTestId('gpu-error');
    expect(await notice.getAttribute('data-error')).toBe('WebGPUUnavailableError');
    expect(await notice.textContent()).toMatch(/still runs, on the CPU/);
    expect(await page.getByTestId('generate').isEnabled()).toBe(true);
    expect(onnxRequests).toEqual([]); // loading the model fetched the weights only

    const progress = await generate(page);
    expect(progress, session.console.join('\n')).toMatch(/Done in .* 4 steps · onnx-wasm/);
    expect(onnxRequests).toEqual([`/${model.path}model.onnx`]);
    expect(await page.getByTestId('status-backend').textContent()).toMatch(/onnx-wasm/);
    // The host sampler's previews: the predicted clean clip after each step.
    expect(await page.locator('.forming-step').count()).toBe(4);
    await expect
      .poll(async () => (await ballPixels(page, '[data-testid=player]')).pixels, { timeout: 10_000 })
      .toBeGreaterThan(20);
    const [clip] = await galleryClips(page);
    expect(clip!.params).toMatchObject({ modelId: model.id, seed: 5, steps: 4, backend: 'onnx-wasm' });
    await chooseBackend(page, 'auto');
    const wgsl = page.getByTestId('backend-select').locator('option[value=wgsl]');
    expect(await wgsl.getAttribute('disabled')).not.toBeNull();
    expect(await page.getByTestId('backend-auto').textContent()).toMatch(/Only onnx-wasm can run/);
    await shot(page, 'app-no-webgpu-onnx-wasm');
  });
});

describe('the same request on every backend', () => {
  // SwiftShader has no shader-f16, so the WGSL engine runs f32 as the ONNX export does: the
  // clips may differ only where a value sits on a rounding boundary (as app-matches-pytorch
  // allows); the onnxruntime path samples and decodes on the CPU in float64, so a few values
  // near a boundary can move by 2-3 levels (max 2 seen) while the mean stays ~0.01 (another
  // seed: ~15). On an f16 adapter WGSL rounds its weights and math, hence the looser bound there.
  const BOUND = { f32: { mean: 0.05, max: 4 }, f16: { mean: 1.0, max: 16 } } as const;

  it('gives the same clip on the WGSL engine and on onnxruntime-web (wasm and WebGPU); another seed does not', async () => {
    session = await openBrowser({ backend: null });
    const { page } = session;
    const onnxRequests = watchOnnx(page);
    await openCreate(page, 11);
    const precision = ((await page.getByTestId('status-precision').textContent()) ?? '').trim();
    const bound = BOUND[precision === 'f16' ? 'f16' : 'f32'];
    const clips: Record<string, number[]> = {};
    const seconds: Record<string, number> = {};
    for (const backend of ['wgsl', 'onnx-wasm', 'onnx-webgpu']) {
      await chooseBackend(page, backend);
      const started = Date.now();
      const progress = await generate(page);
      seconds[backend] = (Date.now() - started) / 1000;
      expect(progress).toMatch(new RegExp(`4 steps · ${backend}`));
      const [clip] = await galleryClips(page);
      expect(clip!.params).toMatchObject({ seed: 11, steps: 4, backend });
      clips[backend] = clip!.rgba;
      // WGSL alone never fetched model.onnx; the first ORT backend did, once (then the cache).
      expect(onnxRequests.length).toBe(backend === 'wgsl' ? 0 : 1);
    }
    console.info(
      `seconds per 4-step clip (first use, with setup) on ${precision}: ${JSON.stringify(seconds)}`,
    );
    for (const backend of ['onnx-wasm', 'onnx-webgpu']) {
      const d = byteDifference(clips.wgsl!, clips[backend]!);
      console.info(`wgsl vs ${backend}: mean byte difference ${d.mean.toFixed(4)}, max ${d.max}`);
      expect(d.mean).toBeLessThan(bound.mean);
      expect(d.max).toBeLessThanOrEqual(bound.max);
    }
    // The bound can fail: the next seed on onnx-wasm is a different clip.
    await chooseBackend(page, 'onnx-wasm');
    await page.getByTestId('seed').fill('12');
    await generate(page);
    const other = byteDifference(clips.wgsl!, (await galleryClips(page))[0]!.rgba);
    console.info(`wgsl seed 11 vs onnx-wasm seed 12: mean byte difference ${other.mean.toFixed(2)}`);
    expect(other.mean).toBeGreaterThan(bound.mean * 10);
  });
});

describe('auto', () => {
  it('times each backend once on this device, generates on the fastest and remembers it', async () => {
    session = await openBrowser({ backend: null });
    const { page } = session;
    await openCreate(page, 11);
    await chooseBackend(page, 'auto');
    expect(await page.getByTestId('backend-auto').textContent()).toMatch(/at the first generation/);
    const progress = await generate(page, 600_000);
    const stored = await page.evaluate(() =>
      JSON.parse(localStorage.getItem('tessera-backend-auto') ?? '{}'),
    );
    const keys = Object.keys(stored);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^webgpu:/); // keyed by the adapter's description
    const decision = stored[keys[0]!] as {
      pick: string;
      milliseconds: Record<string, number>;
      problems: Record<string, string>;
      measuredAt: number;
    };
    console.info(`auto on ${keys[0]}: ${JSON.stringify(decision)}`);
    const measured = Object.entries(decision.milliseconds);
    expect(measured.length + Object.keys(decision.problems).length).toBe(3);
    expect(decision.milliseconds[decision.pick]).toBe(Math.min(...measured.map(([, ms]) => ms)));
    expect(progress).toMatch(new RegExp(`4 steps · ${decision.pick}`));
    expect(await page.getByTestId('status-backend').textContent()).toMatch(decision.pick);
    const table = page.getByTestId('backend-timings');
    expect(await table.locator('tbody tr').count()).toBe(3);
    expect(await table.textContent()).toMatch(/fastest/);
    expect(await page.getByTestId('backend-select').locator('option[value=auto]').textContent()).toMatch(
      `Auto (${decision.pick})`,
    );
    await page.getByTestId('backend-picker').scrollIntoViewIfNeeded();
    await shot(page, 'app-backend-picker');
    // Models says the same: which backends run here, what they measured, what made the last clip.
    await page.getByTestId('nav-models').click();
    const panel = page.getByTestId('backends-panel');
    expect(await panel.getByTestId('backend-last').textContent()).toBe(decision.pick);
    expect(await panel.getByTestId('backend-timings').locator('tbody tr').count()).toBe(3);
    await shot(page, 'app-models-backends');

    // The next visit on this device generates on the remembered pick without timing again.
    await page.reload();
    await openCreate(page, 12);
    expect(await generate(page)).toMatch(new RegExp(`4 steps · ${decision.pick}`));
    const after = await page.evaluate(() => JSON.parse(localStorage.getItem('tessera-backend-auto') ?? '{}'));
    expect(after[keys[0]!].measuredAt).toBe(decision.measuredAt);
  });
});
