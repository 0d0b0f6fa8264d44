// The app shell: five views behind hash routes, keyboard switching, labels on every control,
// and how each view looks at desktop and phone width.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';
import { DESKTOP, PHONE, unlabelledControls, shot } from './app-helpers.ts';

const VIEWS = ['create', 'inspect', 'world', 'gallery', 'models'] as const;

let session: Session;
beforeAll(async () => {
  session = await openBrowser();
});
afterAll(() => session?.close());

describe('the app shell', () => {
  it('opens on Create and routes every tab through the hash', async () => {
    const { page } = session;
    await page.goto(inject('baseUrl'));
    await page.getByTestId('generate').waitFor();
    expect(await page.getByTestId('nav-create').getAttribute('aria-current')).toBe('page');

    for (const view of VIEWS) {
      await page.getByTestId(`nav-${view}`).click();
      await page.waitForFunction((v) => document.querySelector('main')?.dataset.view === v, view);
      expect(new URL(page.url()).hash).toBe(`#/${view}`);
      expect(await page.getByTestId(`nav-${view}`).getAttribute('aria-current')).toBe('page');
    }
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('main')?.dataset.view === 'gallery');

    await page.goto(`${inject('baseUrl')}#/world`);
    await page.getByTestId('scene-editor').waitFor();
    await page.goto(`${inject('baseUrl')}#/no-such-view`);
    await page.getByTestId('generate').waitFor();

    await page.keyboard.press('Alt+5');
    await page.waitForFunction(() => document.querySelector('main')?.dataset.view === 'models');
    expect(await page.title()).toMatch(/Models/);
    expect(session.console.filter((line) => line.startsWith('[pageerror]'))).toEqual([]);
  });

  it('gives every control a label, in every view', async () => {
    const { page } = session;
    for (const view of VIEWS) {
      await page.goto(`${inject('baseUrl')}#/${view}`);
      await page.waitForFunction((v) => document.querySelector('main')?.dataset.view === v, view);
      if (view === 'world') {
        await page.getByTestId('preset-three').click();
        await page.getByTestId('world-run').click();
        await page.getByTestId('world-truth-player').waitFor();
      }
      expect(await unlabelledControls(page), view).toEqual([]);
    }
  });

  it('looks right at desktop and phone width', async () => {
    const { page } = session;
    for (const [name, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      for (const view of VIEWS) {
        await page.goto(`${inject('baseUrl')}#/${view}`);
        await page.waitForFunction((v) => document.querySelector('main')?.dataset.view === v, view);
        if (view === 'world') {
          await page.getByTestId('preset-head-on').click();
          await page.getByTestId('world-run').click();
          await page.getByTestId('world-truth-player').waitFor();
        }
        if (view === 'models') await page.waitForTimeout(300); // let the cache listing settle
        await shot(page, `app-${view}-${name}`);
        // Nothing may stick out sideways at phone width.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${view} at ${name} width`).toBeLessThanOrEqual(0);
      }
    }
    await page.setViewportSize(DESKTOP);
  });
});
