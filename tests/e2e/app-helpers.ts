// Shared steps for the app's end-to-end tests.
import type { Page } from 'playwright-core';
import { screenshot } from './browser.ts';

export const DESKTOP = { width: 1200, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Inputs, selects and textareas without an accessible name, described for a failure message. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: Element): boolean => {
      const labels = (el as HTMLInputElement).labels;
      if (labels && [...labels].some((l) => l.textContent?.trim())) return true;
      if (el.getAttribute('aria-label')?.trim()) return true;
      const by = el.getAttribute('aria-labelledby');
      return !!by && by.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim());
    };
    const controls = [...document.querySelectorAll('input, select, textarea')].filter(
      (el) => (el as HTMLInputElement).type !== 'hidden',
    );
    const buttons = [...document.querySelectorAll('button, a[href]')].filter(
      (el) => !el.textContent?.trim() && !el.getAttribute('aria-label')?.trim(),
    );
    return [
      ...controls.filter((el) => !named(el)).map((el) => `unlabelled ${el.outerHTML.slice(0, 120)}`),
      ...buttons.map((el) => `nameless ${el.outerHTML.slice(0, 120)}`),
    ];
  });
}

/** Counts pixels of a canvas (inside `selector`) that differ from the world's background. */
export function ballPixels(page: Page, selector: string): Promise<{ pixels: number; colours: number }> {
  return page.evaluate((sel) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`${sel} canvas`);
    if (!canvas) return { pixels: -1, colours: 0 };
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let pixels = 0;
    const colours = new Set<string>();
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (Math.abs(r - 16) + Math.abs(g - 16) + Math.abs(b - 20) > 60) {
        pixels++;
        if (Math.max(r, g, b) > 180) colours.add(`${r >> 5},${g >> 5},${b >> 5}`);
      }
    }
    return { pixels, colours: colours.size };
  }, selector);
}

/** Serves the real engine worker with WebGPU removed from its global scope, as in a browser without it. */
export async function hideWebGpuFromWorker(page: Page): Promise<void> {
  await page.route(/engine\.worker.*\.js$/, async (route) => {
    const original = await route.fetch();
    const hide =
      'Object.defineProperty(Object.getPrototypeOf(self.navigator), "gpu", { get: () => undefined });\n';
    await route.fulfill({ response: original, body: hide + (await original.text()) });
  });
}

/** The RGBA bytes of every clip in the Gallery's IndexedDB store, newest first, with their params. */
export function galleryClips(page: Page): Promise<{ params: Record<string, unknown>; rgba: number[] }[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('tessera-gallery');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('clips').objectStore('clips').getAll();
          all.onsuccess = () => {
            const records = all.result as {
              params: Record<string, unknown>;
              rgba: ArrayBuffer;
              createdAt: number;
            }[];
            records.sort((a, b) => b.createdAt - a.createdAt);
            resolve(records.map((r) => ({ params: r.params, rgba: Array.from(new Uint8Array(r.rgba)) })));
            open.result.close();
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** How many clips the Gallery's IndexedDB store holds (0 before the app made it; never creates it). */
export function galleryCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'tessera-gallery')) return 0;
    return new Promise<number>((resolve, reject) => {
      const open = indexedDB.open('tessera-gallery');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const count = db.transaction('clips').objectStore('clips').count();
        count.onsuccess = () => {
          resolve(count.result);
          db.close();
        };
        count.onerror = () => reject(count.error);
      };
    });
  });
}

/** Mean and max absolute difference of two byte arrays of one length. */
export function byteDifference(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}

/** A full-page screenshot taken from the top, so the sticky header sits where it belongs. */
export async function shot(page: Page, name: string): Promise<string> {
  await page.evaluate(() => window.scrollTo(0, 0));
  return screenshot(page, name);
}

/** How far the page sticks out sideways beyond the viewport, in CSS px (0 when it does not). */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}
