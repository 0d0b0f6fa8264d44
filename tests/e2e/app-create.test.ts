// The Create form without a model: share links fill it, the vocabulary guides the prompt.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Session } from './browser.ts';

let session: Session;
beforeAll(async () => {
  session = await openBrowser({ webgpu: false });
});
afterAll(() => session?.close());

describe('Create', () => {
  it('fills the form from a share link and ignores malformed fields', async () => {
    const { page } = session;
    const query = new URLSearchParams({
      prompt: 'two balls, big red and small cyan, fast, weak gravity',
      seed: '4242',
      steps: '2',
      guidance: '1.5',
      model: 'balls-s-teacher',
    });
    await page.goto(`${inject('baseUrl')}?${query}#/create`);
    await page.getByTestId('from-link').waitFor();
    expect(await page.getByTestId('prompt').inputValue()).toBe(query.get('prompt'));
    expect(await page.getByTestId('seed').inputValue()).toBe('4242');
    expect(await page.getByTestId('steps').inputValue()).toBe('2');
    expect(await page.getByTestId('guidance').inputValue()).toBe('1.5');
    expect(await page.getByTestId('model-select').inputValue()).toBe('balls-s-teacher');

    await page.goto(`${inject('baseUrl')}?seed=abc&steps=999&guidance=-3&model=..%2Fetc#/create`);
    await page.getByTestId('prompt').waitFor();
    expect(await page.getByTestId('from-link').count()).toBe(0);
    expect(await page.getByTestId('seed').inputValue()).toBe('4242'); // kept from the last visit
  });

  it('suggests vocabulary words as you type and flags unknown ones', async () => {
    const { page } = session;
    await page.goto(`${inject('baseUrl')}#/create`);
    const prompt = page.getByTestId('prompt');
    await prompt.fill('one big gr');
    const suggestions = page.getByTestId('suggestion');
    await expect.poll(() => suggestions.allTextContents()).toEqual(['gravity', 'green']);
    expect(await page.getByTestId('unknown-words').count()).toBe(0); // still typing
    await suggestions.filter({ hasText: 'green' }).click();
    expect(await prompt.inputValue()).toBe('one big green ');

    await prompt.fill('one purple ball, slow, no gravity');
    await page.getByTestId('unknown-words').waitFor();
    expect(await page.getByTestId('unknown-words').textContent()).toMatch(/purple/);
    expect(await page.getByTestId('generate').isDisabled()).toBe(true);
    // Without WebGPU the page says why nothing can be generated, with a next step.
    expect(await page.getByTestId('gpu-error').textContent()).toMatch(/World Lab/);
  });
});
