import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = 'test-results/e2e';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserOptions {
  /** Launch with WebGPU allowed on the CPU (SwiftShader) adapter; false leaves it blocklisted. */
  webgpu?: boolean;
  /** Reuse a profile (IndexedDB survives a browser restart); a fresh one otherwise. */
  userDataDir?: string;
  extraArgs?: string[];
  /**
   * The Backend setting a fresh profile starts with. Tests of the WGSL engine pin 'wgsl' (the
   * default here): 'auto' would time every backend at the first generation and, on SwiftShader,
   * pick onnx-wasm. null leaves the app's own default, 'auto'.
   */
  backend?: 'wgsl' | 'onnx-webgpu' | 'onnx-wasm' | null;
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Browser console lines, for failure messages. */
  console: string[];
  close(): Promise<void>;
}

/** Headless Chromium as root, offline, with the flags WebGPU on a CPU adapter needs. */
export async function openBrowser({
  webgpu = true,
  userDataDir,
  extraArgs = [],
  backend = 'wgsl',
}: BrowserOptions = {}): Promise<Session> {
  const profile = userDataDir ?? mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(webgpu ? ['--enable-unsafe-webgpu'] : []),
      ...extraArgs,
    ],
  });
  if (backend) {
    // Only where the app has stored no settings yet: a reload keeps what the test chose since.
    await context.addInitScript((choice) => {
      if (location.protocol.startsWith('http') && localStorage.getItem('tessera-settings') === null) {
        localStorage.setItem('tessera-settings', JSON.stringify({ backend: choice }));
      }
    }, backend);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const lines: string[] = [];
  page.on('console', (message) => lines.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`[pageerror] ${error.message}`));
  return {
    context,
    page,
    console: lines,
    async close() {
      await context.close();
      if (!userDataDir) rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
