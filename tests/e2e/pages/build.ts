// Builds the e2e test pages (not part of the app) with Vite into test-results/pages and serves
// them with the app's real headers. The shipped build (vite.config.ts, dist/) never sees them.
import { resolve } from 'node:path';
import { build } from 'vite';
import { serveStatic } from '../../../scripts/serve.mjs';

const PAGES = resolve(import.meta.dirname);
const OUT = resolve('test-results/pages');

export interface PageServer {
  url: string;
  close(): Promise<unknown>;
}

export async function buildAndServeTestPages(): Promise<PageServer> {
  await build({
    configFile: false,
    root: PAGES,
    base: './',
    logLevel: 'warn',
    worker: { format: 'es' },
    build: {
      outDir: OUT,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 4096, // one test page bundling all of mediabunny is fine
      rollupOptions: { input: { video: resolve(PAGES, 'video.html') } },
    },
  });
  return serveStatic(OUT, { port: 0 });
}
