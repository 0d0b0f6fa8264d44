import { afterEach, describe, expect, inject, it } from 'vitest';
import { hideWebGpuFromWorker } from './app-helpers.ts';
import { openBrowser, screenshot, type Session } from './browser.ts';

let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

describe('the GPU status page', () => {
  it('shows the adapter, its real limits and a passing kernel self-test', async () => {
    session = await openBrowser();
    const { page } = session;
    const response = await page.goto(`${inject('baseUrl')}#/models`);
    expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    const panel = page.getByTestId('gpu-panel');
    await panel.locator('[data-testid=self-test], [data-testid=gpu-error]').first().waitFor();
    expect(await panel.getByTestId('gpu-error').count(), session.console.join('\n')).toBe(0);
    await expect.poll(() => page.getByTestId('self-test').textContent()).toMatch(/passed/);

    // The numbers in the table are the adapter's own: compare with a fresh query in the page.
    const limits = await page.evaluate(async () => {
      const adapter = await navigator.gpu.requestAdapter();
      return adapter ? adapter.limits.maxStorageBufferBindingSize : null;
    });
    expect(limits).toBeGreaterThan(0);
    const shown = await page.getByTestId('gpu-limits').textContent();
    expect(shown).toContain('maxStorageBufferBindingSize');
    expect(shown).toContain(`${(limits! / 2 ** 20).toLocaleString('en')} MiB`);
    expect(await page.getByTestId('adapter-name').textContent()).toMatch(/\S/);
    console.info(`screenshot: ${await screenshot(page, 'gpu-panel')}`);
  });

  it('explains a missing adapter instead of showing a blank page', async () => {
    session = await openBrowser({ webgpu: false }); // CPU adapters stay blocklisted
    const { page } = session;
    await page.goto(inject('baseUrl'));
    const error = page.getByTestId('gpu-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error')).toMatch(/AdapterUnavailableError|WebGPUUnavailableError/);
    expect(await error.textContent()).toMatch(/--enable-unsafe-webgpu/);
    await screenshot(page, 'gpu-panel-no-adapter');
  });

  it('explains a browser without WebGPU', async () => {
    session = await openBrowser();
    const { page } = session;
    await hideWebGpuFromWorker(page);
    await page.goto(inject('baseUrl'));
    const error = page.getByTestId('gpu-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error')).toBe('WebGPUUnavailableError');
    expect(await error.textContent()).toMatch(/does not expose WebGPU/);
  });

  it('explains a worker that fails to start', async () => {
    session = await openBrowser();
    const { page } = session;
    await page.route(/engine\.worker.*\.js$/, (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(inject('baseUrl'));
    const error = page.getByTestId('gpu-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error')).toBe('WorkerStartError');
    expect(await error.textContent()).toMatch(/could not start/);
  });
});
