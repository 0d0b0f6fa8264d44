// The shipped default model, run by the built app in Chromium (the real worker, WGSL on the
// software adapter), against the PyTorch reference run of the same weights, prompt and seed
// (tests/fixtures/generated/<id>/goldens.*, written by `npm run test:py`).
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';

interface Catalogue {
  models: { id: string; default?: boolean }[];
}
const catalogue = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as Catalogue;
const modelId = catalogue.models.find((m) => m.default)!.id;
const folder = `tests/fixtures/generated/${modelId}`;

interface GoldenIndex {
  prompt: string;
  seeds: Record<string, number>;
  sample: { steps: number; guidance: number };
  tensors: Record<string, { dtype: 'f32' | 'f64'; shape: number[]; offset: number }>;
}

/** The golden clip as the bytes to_rgba8 writes: round(clamp((v + 1) * 127.5, 0, 255)). */
function goldenRgba(): { rgba: Uint8Array; index: GoldenIndex } {
  const index = JSON.parse(readFileSync(`${folder}/goldens.json`, 'utf8')) as GoldenIndex;
  const entry = index.tensors['float64/sample.pixels']!;
  const bin = readFileSync(`${folder}/goldens.bin`);
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const pixels = new Float64Array(
    bin.buffer.slice(bin.byteOffset + entry.offset, bin.byteOffset + entry.offset + count * 8),
  );
  const [, , T, H, W] = entry.shape as [number, number, number, number, number];
  const plane = T * H * W;
  const rgba = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++)
      rgba[p * 4 + c] = Math.round(Math.min(Math.max((pixels[c * plane + p]! + 1) * 127.5, 0), 255));
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, index };
}

let session: Session | null = null;
afterAll(() => session?.close());

describe('the shipped model in Chromium', () => {
  it.runIf(existsSync(`${folder}/goldens.json`))(
    `generates the same clip as the PyTorch reference (${modelId})`,
    async () => {
      const { rgba: golden, index } = goldenRgba();
      const { steps, guidance } = index.sample;
      const query = new URLSearchParams({
        prompt: index.prompt,
        seed: String(index.seeds['sample.noise']),
        steps: String(steps),
        guidance: String(guidance),
        model: modelId,
      });
      session = await openBrowser();
      const { page } = session;
      await page.goto(`${inject('baseUrl')}?${query}#/create`);
      await expect
        .poll(() => page.getByTestId('status-model').textContent(), { timeout: 60_000 })
        .toMatch(new RegExp(`${modelId} loaded`));
      await page.getByTestId('generate').click();
      await expect.poll(() => page.getByTestId('saved').textContent(), { timeout: 400_000 }).toMatch(/Saved/);

      // The Gallery keeps the clip's exact RGBA bytes in IndexedDB: read them back.
      const bytes = await page.evaluate(
        () =>
          new Promise<number[]>((resolve, reject) => {
            const open = indexedDB.open('tessera-gallery');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const all = open.result.transaction('clips').objectStore('clips').getAll();
              all.onsuccess = () =>
                resolve(Array.from(new Uint8Array((all.result[0] as { rgba: ArrayBuffer }).rgba)));
              all.onerror = () => reject(all.error);
            };
          }),
      );
      expect(bytes.length).toBe(golden.length);
      let sum = 0;
      let worst = 0;
      for (let i = 0; i < golden.length; i++) {
        const d = Math.abs(bytes[i]! - golden[i]!);
        sum += d;
        worst = Math.max(worst, d);
      }
      console.info(
        `${modelId} in Chromium vs PyTorch float64: mean byte difference ${(sum / golden.length).toFixed(4)}, max ${worst}`,
      );
      // f32 WGSL against float64 PyTorch over the whole sampling run: a level flips where a value
      // sits near a rounding boundary; a real difference (a wrong kernel, a wrong seed) moves
      // tens of levels.
      expect(worst).toBeLessThanOrEqual(2);
      expect(sum / golden.length).toBeLessThan(0.05);
    },
  );
});
