// World Lab's true physics: it needs no model and no GPU.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';
import { ballPixels, shot } from './app-helpers.ts';

let session: Session;
beforeAll(async () => {
  session = await openBrowser({ webgpu: false });
});
afterAll(() => session?.close());

describe('World Lab', () => {
  it('runs a preset through the true physics and plays it with its trajectories', async () => {
    const { page } = session;
    await page.goto(`${inject('baseUrl')}#/world`);
    await page.getByTestId('preset-head-on').click();
    expect(await page.getByTestId('world-caption').textContent()).toMatch(
      /two balls, small blue and small yellow, fast, no gravity/,
    );
    await page.getByTestId('world-run').click();
    const player = page.getByTestId('world-truth-player');
    await player.waitFor();
    // Two balls of two colours are drawn, and the trajectories grow as it plays.
    await expect
      .poll(() => ballPixels(page, '[data-testid=world-truth-player]'))
      .toMatchObject({ colours: 2 });
    expect((await ballPixels(page, '[data-testid=world-truth-player]')).pixels).toBeGreaterThan(40);
    expect(await player.locator('svg polyline:not(.halo)').count()).toBe(2);
    // Without a GPU the lab says so instead of offering the model.
    expect(await page.getByTestId('world-run').textContent()).toMatch(/Run physics$/);
    expect(await page.getByTestId('world-error').count()).toBe(0);

    // Frame stepping is exact: pause, step, and the player reports the frame.
    await player.getByRole('button', { name: 'Pause' }).click();
    const before = Number(await player.getAttribute('data-frame'));
    await player.getByRole('button', { name: 'Next frame' }).click();
    expect(Number(await player.getAttribute('data-frame'))).toBe((before + 1) % 16);
    console.info(`screenshot: ${await shot(page, 'app-world-lab-head-on')}`);
  });

  it('adds a ball where the canvas is clicked and edits it by keyboard', async () => {
    const { page } = session;
    await page.goto(`${inject('baseUrl')}#/world`);
    await page.getByTestId('preset-falling').click();
    const editor = page.getByTestId('scene-editor');
    const box = (await editor.boundingBox())!;
    await page.getByRole('radio', { name: 'green' }).check({ force: true });
    await page.mouse.click(box.x + box.width * 0.8, box.y + box.height * 0.8);
    await expect
      .poll(() => page.getByTestId('world-caption').textContent())
      .toMatch(/two balls, big red and small green/);
    const editorPanel = page.getByTestId('ball-editor');
    await editorPanel.getByLabel('vx (px/frame)').fill('-1.5');
    await editorPanel.getByLabel('vx (px/frame)').press('Enter');
    await page.getByTestId('world-run').click();
    await expect
      .poll(() => ballPixels(page, '[data-testid=world-truth-player]'))
      .toMatchObject({ colours: 2 });
  });
});
