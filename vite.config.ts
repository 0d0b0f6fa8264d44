import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { securityHeaders } from './scripts/security-headers.js';

// Cross-origin isolation (SharedArrayBuffer, threaded wasm) and the CSP are the same in dev,
// preview and the static server (scripts/serve.mjs).
export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { headers: securityHeaders({ dev: true }) },
  preview: { headers: securityHeaders({ dev: false }) },
});
