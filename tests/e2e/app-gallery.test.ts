// The gallery keeps clips in IndexedDB: a clip saved through the app survives a reload.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';
import { shot } from './app-helpers.ts';

let session: Session;
beforeAll(async () => {
  session = await openBrowser({ webgpu: false });
});
afterAll(() => session?.close());

describe('the Gallery', () => {
  it('keeps a saved clip across a reload, plays it, remixes it and deletes it', async () => {
    const { page } = session;
    await page.goto(`${inject('baseUrl')}#/gallery`);
    await page.getByText('No clips yet').waitFor();

    await page.goto(`${inject('baseUrl')}#/world`);
    await page.getByTestId('preset-three').click();
    await page.getByTestId('world-run').click();
    await page.getByTestId('save-truth').click();
    await page.getByTestId('saved-truth').waitFor();

    await page.reload();
    await page.getByTestId('nav-gallery').click();
    const items = page.getByTestId('gallery-item');
    await items.first().waitFor();
    expect(await items.count()).toBe(1);
    expect(await items.first().textContent()).toMatch(/three balls, small red, small green and big magenta/);
    expect(await page.getByTestId('gallery-count').textContent()).toMatch(/^1 clip,/);
    // The thumbnail is a real image.
    await expect
      .poll(() =>
        items
          .first()
          .locator('img')
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);

    await items.first().getByRole('button', { name: /^Play/ }).click();
    await page.getByTestId('gallery-player').waitFor();
    await page.getByTestId('export-png').waitFor();
    await shot(page, 'app-gallery-with-clip');

    await items.first().getByRole('button', { name: 'Remix' }).click();
    await page.waitForFunction(() => document.querySelector('main')?.dataset.view === 'create');
    expect(await page.getByTestId('prompt').inputValue()).toMatch(/three balls/);

    await page.getByTestId('nav-gallery').click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .getByTestId('gallery-item')
      .first()
      .getByRole('button', { name: /^Delete/ })
      .click();
    await page.getByText('No clips yet').waitFor();
    await page.reload();
    await page.getByText('No clips yet').waitFor();
  });
});
