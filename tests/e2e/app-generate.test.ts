// A new user's generation paths in the built app, on the real WGSL engine (SwiftShader's WebGPU
// in headless Chromium) with the shipped models from public/models.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';
import { DESKTOP, PHONE, ballPixels, shot, sidewaysOverflow } from './app-helpers.ts';

interface Catalogue {
  models: { id: string; role: 'student' | 'teacher'; default?: boolean }[];
}
const catalogue = JSON.parse(readFileSync('public/models/index.json', 'utf8')) as Catalogue;
const defaultModel = catalogue.models.find((m) => m.default)!.id;
const teacher = catalogue.models.find((m) => m.role === 'teacher');
const student = catalogue.models.find((m) => m.role === 'student');

let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

async function open() {
  session = await openBrowser();
  await session.page.goto(`${inject('baseUrl')}#/create`);
  await expect
    .poll(() => session!.page.getByTestId('status-model').textContent(), { timeout: 60_000 })
    .toMatch(new RegExp(`${defaultModel} loaded`));
  return session.page;
}

describe('generating a clip', () => {
  it('shows progress and the clip forming, saves it, and traces every step for Inspect', async () => {
    const page = await open();
    await page.getByTestId('steps').selectOption('4');
    await page.getByTestId('prompt').fill('one big red ball, slow, strong gravity');
    await page.getByTestId('seed').fill('3');
    await page.getByTestId('generate').click();
    const progress = page.getByTestId('progress');
    await progress.waitFor();
    await expect
      .poll(() => page.getByTestId('saved').textContent(), { timeout: 120_000 })
      .toMatch(/Saved to the Gallery/);
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await progress.textContent()).toMatch(/Done in .* 4 steps/);
    // The player loops, so some frame within a few seconds shows the ball.
    await expect
      .poll(async () => (await ballPixels(page, '[data-testid=player]')).pixels, { timeout: 10_000 })
      .toBeGreaterThan(20);
    // The address now reproduces the clip.
    const query = new URL(page.url()).searchParams;
    expect([query.get('seed'), query.get('steps'), query.get('model')]).toEqual(['3', '4', defaultModel]);
    await shot(page, 'app-create-with-clip-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'app-create-with-clip-phone');
    expect(await sidewaysOverflow(page)).toBe(0);
    await page.setViewportSize(DESKTOP);

    const download = page.waitForEvent('download');
    await page.getByTestId('export-mp4').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('one-big-red-ball-slow-strong-gravity-seed3.mp4');
    const bytes = readFileSync((await file.path())!);
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');

    await page.getByTestId('nav-inspect').click();
    const grid = page.getByTestId('step-grid');
    await grid.waitFor();
    expect(await grid.locator('tbody tr').count()).toBe(4);
    expect(await page.getByTestId('step-stats').locator('tbody tr').count()).toBe(4);
    expect(await page.getByTestId('kernel-timings').textContent()).toMatch(/matmul:f32:bias/);
    // Attention of the last step's middle block: a full map over the 8 time slices, then a query elsewhere.
    await page.getByTestId('attention-compute').click();
    const facts = page.getByTestId('attention-facts');
    await expect.poll(() => facts.textContent(), { timeout: 60_000 }).toMatch(/Computed.*step 4, block 4/);
    expect(await page.getByTestId('attention-map').locator('canvas').count()).toBe(8);
    expect(await facts.textContent()).toMatch(/Query.*t 1, row 1, column 1 \(token 0\)/);
    const weights = Number(/weight (\d\.\d+)/.exec((await facts.textContent())!)![1]);
    expect(weights).toBeGreaterThan(1 / 128); // the strongest of 128 keys is at least the uniform share
    await page
      .getByTestId('attention-map')
      .getByRole('button')
      .nth(5)
      .click({ position: { x: 40, y: 40 } });
    expect(await facts.textContent()).toMatch(/Query.*t 6, row \d, column \d/);
    await page.getByTestId('attention-head').selectOption('0');
    expect(await facts.textContent()).toMatch(/effective keys of 128/);
    await shot(page, 'app-inspect-attention');
    const trace = page.waitForEvent('download');
    await page.getByTestId('download-trace').click();
    const json = JSON.parse(readFileSync((await (await trace).path())!, 'utf8'));
    expect(json.format).toBe('tessera-trace');
    expect(json.steps).toHaveLength(4);
    expect(json.binary.tensors.length).toBe(9); // x0 and x_t per step, and the clip
    await shot(page, 'app-inspect-trace-desktop');

    if (student && teacher) {
      await page.getByTestId('compare').click();
      await expect
        .poll(() => page.getByTestId('compare-teacher').textContent(), { timeout: 180_000 })
        .toMatch(new RegExp(`teacher: ${teacher.id}, \\d+ steps, \\d`));
      await shot(page, 'app-inspect-compare-desktop');
    }
    await page.setViewportSize(PHONE);
    await shot(page, 'app-inspect-trace-phone');
    expect(await sidewaysOverflow(page)).toBe(0);

    await page.setViewportSize(DESKTOP);
    await page.getByTestId('nav-gallery').click();
    await expect.poll(() => page.getByTestId('gallery-item').count()).toBe(1);
  });

  it('cancels with the Cancel button and Ctrl+Enter starts again', async () => {
    const page = await open();
    // The longest schedule, so Cancel lands mid-run.
    await page
      .getByTestId('steps')
      .selectOption({ index: (await page.getByTestId('steps').locator('option').count()) - 1 });
    await page.getByTestId('prompt').fill('two balls, small blue and big yellow, fast, no gravity');
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('progress').waitFor();
    await page.getByTestId('cancel').click();
    // Cancel lands after the step in flight: one step on a software adapter takes seconds.
    await expect
      .poll(() => page.getByTestId('progress').textContent(), { timeout: 120_000 })
      .toMatch(/Cancelled/);
    expect(await page.getByTestId('generate').isEnabled()).toBe(true);
    await page.getByTestId('nav-gallery').click();
    await page.getByText('No clips yet').waitFor();
  });
});

describe('World Lab with a model', () => {
  it('continues the first two true frames and scores the continuation in px', async () => {
    const page = await open();
    await page.getByTestId('nav-world').click();
    await page.getByTestId('preset-falling').click();
    expect(await page.getByTestId('world-run').textContent()).toMatch(/physics and model/);
    await page.getByTestId('world-run').click();
    const error = page.getByTestId('world-error');
    await expect.poll(() => error.textContent(), { timeout: 400_000 }).toMatch(/\d+\.\d px mean distance/);
    expect(await error.textContent()).toMatch(/Copy the last frame/);
    expect(await page.getByTestId('world-model-player').locator('svg polyline').count()).toBeGreaterThan(1);
    await shot(page, 'app-world-lab-model-desktop');
    await page.setViewportSize(PHONE);
    await shot(page, 'app-world-lab-model-phone');
    expect(await sidewaysOverflow(page)).toBe(0);
  });
});
